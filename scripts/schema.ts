// Writes schema/runbook.schema.json from the loader's own schema (npm run schema).
import {writeFileSync} from 'node:fs'
import {runbookJsonSchema} from '../src/runbook/schema.ts'

writeFileSync(new URL('../schema/runbook.schema.json', import.meta.url), JSON.stringify(runbookJsonSchema(), null, 2) + '\n')
