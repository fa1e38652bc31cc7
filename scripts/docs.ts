// Regenerates what is derived from the step registry and the runbook schema (npm run docs): the editors' JSON Schema,
// the README's permission table, and the sandbox's "azfail operator" role. test/unit/registry.test.ts fails when any is stale.
import {readFileSync, writeFileSync} from 'node:fs'
import {runbookJsonSchema} from '../src/runbook/schema.ts'
import {permissionTable} from '../src/steps/registry.ts'
import {operatorRole} from '../src/steps/role.ts'

writeFileSync(new URL('../schema/runbook.schema.json', import.meta.url), JSON.stringify(runbookJsonSchema(), null, 2) + '\n')

const readme = new URL('../README.md', import.meta.url)
const text = readFileSync(readme, 'utf8')
const marked = /(<!-- permissions:start[^>]*-->\n)[\s\S]*?(<!-- permissions:end -->)/
if (!marked.test(text)) throw new Error('README.md has no <!-- permissions:start --> ... <!-- permissions:end --> markers')
writeFileSync(readme, text.replace(marked, (_m, start: string, end: string) => `${start}${permissionTable()}\n${end}`))

writeFileSync(new URL('../packages/sandbox/src/roles/operator.json', import.meta.url), JSON.stringify(operatorRole(), null, 2) + '\n')
