// The step registry is the one declaration of each step kind: the runbook schema, the default orders, what an action
// reads, --help and the README's permission table all come from it, and a test fails if any of them drifts.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {runbookJsonSchema} from '../../src/runbook/schema.ts'
import {ACTIONS, defaultSteps, LOCK_PERMISSIONS, permissionTable, READ_PERMISSIONS, readsOf, STEP_KINDS, SURVEY_PERMISSIONS, VANTAGE_PERMISSIONS} from '../../src/steps/registry.ts'
import {operatorRole, PREFLIGHT_PERMISSIONS} from '../../src/steps/role.ts'

const ROOT = join(import.meta.dirname, '..', '..')

describe('step registry', () => {
  it('declares each kind once, with a summary and what it reads', () => {
    const ids = STEP_KINDS.map((k) => k.kind)
    assert.equal(new Set(ids).size, ids.length)
    for (const k of STEP_KINDS) assert.ok(k.summary.length > 10, k.kind)
  })

  it('gives every action its safe default order', () => {
    assert.deepEqual(defaultSteps('drain'), ['drainSteering', 'waitOutTtl', 'verifySurvivorResolution'])
    assert.deepEqual(defaultSteps('promote-replica'), ['promoteReplica', 'repointCname', 'verifyCname', 'verifyWritable'])
    assert.deepEqual(defaultSteps('promote-failover-group'), ['flipFailoverGroup', 'verifyListener'])
    assert.deepEqual(defaultSteps('restore'), ['recreateEndpoints', 'enableSteering'])
    for (const a of ACTIONS) assert.ok(defaultSteps(a).length > 0, `${a} has steps`)
  })

  it('reads only what the steps of an action need', () => {
    const kinds = (ids: string[]) => ids.map((id) => STEP_KINDS.find((k) => k.kind === id)!)
    assert.deepEqual(readsOf(kinds(defaultSteps('drain'))), {endpoints: false, zones: true, resolution: true, data: false})
    assert.deepEqual(readsOf(kinds(defaultSteps('promote-replica'))), {endpoints: false, zones: false, resolution: false, data: true})
  })

  it('derives the runbook schema enum from the registry, and the committed JSON Schema is current', () => {
    const schema = runbookJsonSchema() as any
    const step = schema.properties.actions.properties.drain.items.anyOf
    const enumerated = step.find((s: any) => s.enum).enum
    assert.deepEqual(enumerated, STEP_KINDS.filter((k) => !k.spec).map((k) => k.kind))
    assert.ok(step.some((s: any) => s.properties?.manualAction), 'manualAction is an object entry')
    assert.deepEqual(JSON.parse(readFileSync(join(ROOT, 'schema', 'runbook.schema.json'), 'utf8')), schema, "run 'npm run docs'")
  })

  it("writes each command's help from the registry: every step it runs, with the kind's summary", async () => {
    const commands = {drain: 'drain', promote: 'promote-replica', restore: 'restore', repoint: 'repoint', teardown: 'teardown'} as const
    for (const [file, action] of Object.entries(commands)) {
      const {default: command} = await import(`../../src/commands/${file}.ts`)
      for (const id of defaultSteps(action)) {
        const kind = STEP_KINDS.find((k) => k.kind === id)!
        assert.ok(command.description.includes(`${kind.kind}: ${kind.summary}`), `${file} --help describes ${id}`)
      }
    }
  })

  it("keeps the README's permission table equal to the registry's", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const m = /<!-- permissions:start[^>]*-->\n([\s\S]*?)\n<!-- permissions:end -->/.exec(readme)
    assert.ok(m, 'the README marks its generated permission table')
    assert.equal(m[1], permissionTable(), "run 'npm run docs'")
  })

  it("derives the sandbox's operator role from the registry, every declared action once, and the committed role is current", () => {
    const role = operatorRole()
    const declared = [...Object.values(READ_PERMISSIONS).flat(), ...SURVEY_PERMISSIONS, ...LOCK_PERMISSIONS, ...PREFLIGHT_PERMISSIONS, ...VANTAGE_PERMISSIONS, ...STEP_KINDS.flatMap((k) => k.permissions)].map((p) => p.action)
    for (const action of declared) assert.ok(role.actions.includes(action), action)
    assert.equal(new Set(role.actions).size, role.actions.length)
    assert.ok(role.actions.includes('Microsoft.Sql/locations/operationStatuses/read'), 'the LRO polls of a provider azfail changes')
    assert.ok(!role.actions.some((a) => a.includes('*')), 'no wildcard: exactly what azfail uses')
    const committed = JSON.parse(readFileSync(join(ROOT, 'packages', 'sandbox', 'src', 'roles', 'operator.json'), 'utf8'))
    assert.deepEqual(committed, role, "run 'npm run docs'")
  })
})
