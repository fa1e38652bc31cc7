// The engine on its own, over a toy state: projection across steps, overrides, resume's completed set, and a run that
// always ends closed in its journal, whatever the ending. No Azure, no sandbox, no subprocess.
import assert from 'node:assert/strict'
import {tempDir} from '../helpers.ts'
import {describe, it} from 'node:test'
import {toAzfailError} from '../../src/cli/base.ts'
import {EventBus, type RunEvent} from '../../src/engine/events.ts'
import {Journal} from '../../src/engine/journal.ts'
import {Interrupted, RunError, type EngineOptions, planAll, runEngine, stagesOf} from '../../src/engine/run.ts'
import type {GuardVerdict, RunMeta, Step} from '../../src/engine/types.ts'
import {AzfailError, InputError} from '../../src/errors.ts'

interface Toy {
  value: number
}

/** A step that adds `by` to the value; it refuses (guard g) when the value it sees is at or above `refuseAt`. */
function add(id: string, by: number, o: {refuseAt?: number; fail?: Error; changes?: boolean; applied?: string[]} = {}): Step<Toy, {from: number}> {
  return {
    id,
    kind: 'add',
    title: `add ${by}`,
    changes: o.changes ?? true,
    plan(s) {
      const verdicts: GuardVerdict[] = o.refuseAt === undefined ? [] : [{guard: 'g', ok: s.value < o.refuseAt, observed: `value ${s.value}`}]
      return {summary: `${s.value} -> ${s.value + by}`, changes: [{what: id, from: String(s.value), to: String(s.value + by)}], verdicts, data: {from: s.value}}
    },
    project: (s) => ({value: s.value + by}),
    async apply(plan) {
      if (o.fail) throw o.fail
      o.applied?.push(id)
      return `added ${by} to ${plan.data.from}`
    },
  }
}

const runsDir = () => tempDir('azfail-engine-')

function meta(over: Partial<RunMeta> = {}): RunMeta {
  return {runId: `r-${Math.random().toString(16).slice(2, 8)}`, action: 'toy', options: {}, runbook: 'toy.yaml', target: {kind: 'sandbox'}, principal: 'tester', startedAt: new Date().toISOString(), dryRun: false, overrides: [], status: 'running', attempts: 1, ...over}
}

/** Runs the engine with a real journal and returns how the journal closed the run. */
async function run(steps: Step<Toy, any>[], o: Partial<EngineOptions<Toy>> & {value?: number} = {}) {
  const m = meta({dryRun: o.dryRun ?? false})
  const journal = Journal.create(runsDir(), m)
  const events: RunEvent[] = []
  let state = {value: o.value ?? 0}
  const options: EngineOptions<Toy> = {
    meta: m,
    steps,
    observe: async () => state,
    dryRun: false,
    overrides: new Set(),
    attempt: 1,
    confirm: async () => true,
    events: new EventBus([journal.observer(1), {on: (e) => events.push(e)}]),
    signal: new AbortController().signal,
    ...o,
  }
  // Live state moves as steps apply, so execution re-plans against what happened.
  options.steps = steps.map((s) => ({...s, apply: async (plan, rt) => {
    const out = await s.apply(plan, rt)
    state = s.project ? s.project(state, plan) : state
    return out
  }}))
  let error: unknown
  const report = await runEngine(options).catch((e) => {
    error = e
    return undefined
  })
  return {report, error: error as AzfailError | undefined, journal, events, state: () => state}
}

describe('engine: planning', () => {
  it('plans each step against the state the steps before it project', () => {
    const records = planAll([add('a', 1), add('b', 10), add('c', 100, {refuseAt: 11})], {value: 0}, new Set(), new Set())
    assert.deepEqual(records.map((r) => r.message), ['0 -> 1', '1 -> 11', 'g refused: value 11'])
    assert.deepEqual(records.map((r) => r.status), ['planned', 'planned', 'refused'])
  })

  it('marks an overridden refusal and plans the step', () => {
    const [r] = planAll([add('a', 1, {refuseAt: 0})], {value: 0}, new Set(['g']), new Set())
    assert.equal(r.status, 'planned')
    assert.equal(r.plan!.verdicts[0].overridden, true)
    assert.equal(r.plan!.verdicts[0].ok, false, 'the verdict still says what it saw')
  })

  it('skips the completed set without planning it, and projects nothing for it', () => {
    const records = planAll([add('a', 1), add('b', 1, {refuseAt: 1})], {value: 0}, new Set(), new Set(['a']))
    assert.deepEqual(records.map((r) => [r.id, r.status]), [['a', 'skipped'], ['b', 'planned']])
    assert.equal(records[0].message, 'completed in an earlier attempt')
  })
})

describe('engine: execution', () => {
  it('applies every step against fresh state and closes the run succeeded', async () => {
    const applied: string[] = []
    const r = await run([add('a', 1, {applied}), add('b', 2, {applied})])
    assert.equal(r.error, undefined)
    assert.deepEqual(applied, ['a', 'b'])
    assert.equal(r.state().value, 3)
    assert.deepEqual(r.report!.steps.map((s) => s.message), ['added 1 to 0', 'added 2 to 1'])
    assert.equal(r.journal.meta().status, 'succeeded')
    assert.deepEqual(r.events.map((e) => e.type).filter((t) => t !== 'step-progress'), ['run-started', 'step-planned', 'step-planned', 'prompt', 'execution-started', 'step-started', 'step-ended', 'step-started', 'step-ended', 'run-ended'])
  })

  it('an override lets the refused step run, and the journal keeps the overridden verdict', async () => {
    const applied: string[] = []
    const r = await run([add('a', 1, {refuseAt: 0, applied})], {overrides: new Set(['g'])})
    assert.equal(r.error, undefined)
    assert.deepEqual(applied, ['a'])
    assert.equal(r.journal.steps()[0].plan!.verdicts[0].overridden, true)
  })

  it('never applies a step of the completed set again, and resume takes the lock to release it', async () => {
    const applied: string[] = []
    const lock: string[] = []
    const r = await run([add('a', 1, {applied}), add('b', 1, {applied})], {
      completed: new Set(['a']),
      lock: {acquire: async () => void lock.push('acquire'), check: () => {}, release: async () => void lock.push('release'), lost: () => undefined},
      resuming: true,
    })
    assert.deepEqual(applied, ['b'])
    assert.deepEqual(lock, ['acquire', 'release'])
    assert.deepEqual(r.report!.steps.map((s) => [s.id, s.status]), [['a', 'skipped'], ['b', 'succeeded']])
    assert.deepEqual([...r.journal.completedSteps()], ['b'], 'this journal saw only b run')
  })
})

describe('engine: every ending closes the run in its journal', () => {
  const cases: Array<[string, () => ReturnType<typeof run>, string, number]> = [
    ['a dry run', () => run([add('a', 1)], {dryRun: true}), 'planned', 0],
    ['a dry run that would refuse', () => run([add('a', 1, {refuseAt: 0})], {dryRun: true}), 'not-ready', 4],
    ['a guard refusal', () => run([add('a', 1, {refuseAt: 0})]), 'refused', 3],
    ['a plan declined at the prompt (not a guard: exit 5, not 3)', () => run([add('a', 1)], {confirm: async () => false}), 'declined', 5],
    ['consent refused for want of a terminal', () => run([add('a', 1)], {confirm: async () => Promise.reject(new InputError('ConsentRequired', 'no terminal'))}), 'refused', 2],
    ['a failed first read', () => run([add('a', 1)], {observe: async () => Promise.reject(new Error('ECONNREFUSED'))}), 'failed', 1],
    ['a held lock', () => run([add('a', 1)], {lock: {acquire: async () => Promise.reject(new AzfailError('locked', 'LockHeld', 'held by someone')), check: () => {}, release: async () => undefined, lost: () => undefined}}), 'locked', 6],
    ['a lock lost during a run whose steps all succeeded', () => run([add('a', 1)], {lock: {acquire: async () => undefined, check: () => {}, release: async () => undefined, lost: () => 'another operator took it over or released it'}}), 'interrupted', 5],
    ['a failed step', () => run([add('a', 1, {fail: new Error('boom')})]), 'failed', 1],
    ['an interrupted step', () => run([add('a', 1, {fail: new Interrupted()})]), 'interrupted', 5],
  ]
  for (const [what, go, status, exit] of cases) {
    it(`${what}: ${status}, exit ${exit}`, async () => {
      const r = await go()
      const meta = r.journal.meta()
      assert.equal(meta.status, status)
      assert.ok(meta.endedAt, 'the journal records when the run ended')
      assert.equal(r.error ? toAzfailError(r.error).exitCode : 0, exit, 'the exit code the CLI gives it')
      assert.equal(r.events.at(-1)?.type, 'run-ended')
    })
  }

  it('a lock lost while a step failed ends interrupted, saying what the run had done', async () => {
    const r = await run([add('a', 1), add('b', 1, {fail: new Error('Front Door refused')})], {lock: {acquire: async () => undefined, check: () => {}, release: async () => undefined, lost: () => 'renewal answered 412'}})
    assert.equal(r.error?.exitCode, 5)
    assert.equal(r.error?.code, 'LockLost')
    assert.match(r.error!.message, /lost its lock \(renewal answered 412\)\. It had done: a \(added 1 to 0\)/)
    assert.equal(r.journal.meta().status, 'interrupted')
  })

  it('a lock lost after a step found already done names that step among what the run had done', async () => {
    // Under load the TTL window can pass before the wait step plans: it is skipped as done, and is in effect.
    const waited: Step<Toy, {from: number}> = {...add('wait', 0, {changes: false}), plan: () => ({summary: 'wait 0s', changes: [], verdicts: [], done: '5s have passed since the drain'})}
    const r = await run([add('a', 1), waited, add('b', 1)], {completed: new Set(['a']), resuming: true, lock: {acquire: async () => undefined, check: () => {}, release: async () => undefined, lost: () => 'renewal answered 412'}})
    assert.equal(r.error?.code, 'LockLost')
    assert.match(r.error!.message, /It had done: a \(completed in an earlier attempt\); wait \(already done: 5s have passed since the drain\); b \(added 1 to 0\)/)
  })

  it('a failed step leaves the steps after it unrun and unapplied', async () => {
    const applied: string[] = []
    const r = await run([add('a', 1, {applied}), add('b', 1, {fail: new Error('boom')}), add('c', 1, {applied})])
    assert.ok(r.error instanceof RunError)
    assert.deepEqual(applied, ['a'])
    assert.deepEqual((r.error as RunError).report.steps.map((s) => [s.id, s.status]), [['a', 'succeeded'], ['b', 'failed'], ['c', 'skipped']])
    assert.deepEqual([...r.journal.completedSteps()], ['a'])
  })
})

describe('engine: run-wide guards (the permissions guard) before any change', () => {
  const denied: GuardVerdict = {guard: 'permissions', ok: false, observed: 'lacks A/write at /s/1', remedy: 'grant it'}
  const lockFor = (calls: string[]) => ({acquire: async () => void calls.push('acquire'), check: () => {}, release: async () => (calls.push('release'), undefined), lost: () => undefined})

  it('a refusal turns the run away before the lock and any step: nothing applied, exit 3 with the guard', async () => {
    const applied: string[] = []
    const calls: string[] = []
    let acting: string[] = []
    const r = await run([add('a', 1, {applied}), add('b', 1, {applied, refuseAt: 0})], {
      lock: lockFor(calls),
      preflight: async (_s, kinds) => ((acting = kinds), [denied]),
    })
    assert.deepEqual(applied, [])
    assert.deepEqual(calls, [], 'the lock was never taken')
    assert.deepEqual(acting, ['add', 'add'], 'judged on the steps that would act, the refused one included')
    assert.equal(r.error?.exitCode, 3)
    assert.equal(r.error?.guard, 'permissions')
    assert.match(r.error!.message, /Guard permissions refused the run; nothing was changed\. It saw: lacks A\/write at \/s\/1/)
    assert.deepEqual(r.report, undefined)
    assert.deepEqual((r.error as RunError).report.guards, [denied])
    assert.equal(r.journal.meta().status, 'refused')
  })

  it('a dry run reports it as not ready (exit 4), naming it', async () => {
    const r = await run([add('a', 1)], {dryRun: true, preflight: async () => [denied]})
    assert.equal(r.error?.exitCode, 4)
    assert.equal(r.error?.guard, 'permissions')
    assert.match(r.error!.message, /permissions refuses: lacks A\/write/)
  })

  it('--override lets the run go on, and its warnings say what the guard saw', async () => {
    const applied: string[] = []
    const r = await run([add('a', 1, {applied})], {overrides: new Set(['permissions']), preflight: async () => [denied]})
    assert.equal(r.error, undefined)
    assert.deepEqual(applied, ['a'])
    assert.deepEqual(r.report!.warnings, ['guard permissions was overridden; it saw: lacks A/write at /s/1'])
    assert.equal(r.report!.guards![0].overridden, true)
  })
})

/** A promise and the function that settles it. */
function signal() {
  let fire!: () => void
  const fired = new Promise<void>((resolve) => (fire = resolve))
  return {fired, fire}
}

describe("engine: the data tiers' lanes run beside each other", () => {
  const laned = (step: Step<Toy, any>, lane: string): Step<Toy, any> => ({...step, lane})

  it('groups neighbouring steps of two or more lanes into one stage, each lane in its order; a step with no lane runs alone', () => {
    const ids = (steps: Array<{id: string; lane?: string}>) => stagesOf(steps).map((stage) => stage.map((lane) => lane.map((s) => s.id)))
    const pg = (id: string) => ({id, lane: 'postgres'})
    const sql = (id: string) => ({id, lane: 'sql'})
    assert.deepEqual(ids([{id: 'drain'}, {id: 'wait'}, pg('promote'), pg('repoint'), sql('flip'), pg('verifyCname'), sql('verifyListener'), {id: 'manual'}, {id: 'cosmos', lane: 'cosmos'}]), [
      [['drain']],
      [['wait']],
      [['promote', 'repoint', 'verifyCname'], ['flip', 'verifyListener']],
      [['manual']],
      [['cosmos']],
    ])
    assert.deepEqual(ids([pg('promote'), pg('repoint')]), [[['promote']], [['repoint']]], 'one lane alone runs in order, a step at a time')
  })

  // Run one after the other, its first step would wait for the second forever: the timeout fails it (a correct run takes milliseconds).
  it('a lane does not wait for another: the first lane finishes after the second, and the report keeps the plan order', {timeout: 60_000}, async () => {
    const second = signal()
    const first: Step<Toy, any> = {...add('promote', 1), apply: async () => (await second.fired, 'promoted after the flip')}
    const flip: Step<Toy, any> = {...add('flip', 10), apply: async () => (second.fire(), 'flipped')}
    const r = await run([add('drain', 0), laned(first, 'postgres'), laned(add('repoint', 100), 'postgres'), laned(flip, 'sql'), add('after', 1000)])
    assert.equal(r.error, undefined)
    assert.deepEqual(r.report!.steps.map((s) => [s.id, s.status]), [['drain', 'succeeded'], ['promote', 'succeeded'], ['repoint', 'succeeded'], ['flip', 'succeeded'], ['after', 'succeeded']])
    const executing = r.events.findIndex((e) => e.type === 'execution-started')
    const ended = r.events.slice(executing).flatMap((e) => (e.type === 'step-ended' ? [e.step.id] : []))
    assert.deepEqual(ended.filter((id) => id === 'flip' || id === 'promote'), ['flip', 'promote'])
    const started = (id: string) => r.events.findIndex((e) => e.type === 'step-started' && e.step.id === id)
    assert.ok(started('after') > r.events.findIndex((e) => e.type === 'step-ended' && e.step.id === 'repoint'), 'the step after the stage starts once every lane has ended')
  })

  it('a lane that fails lets the step beside it finish and starts nothing new; the run fails with its error', async () => {
    const failed = signal()
    const applied: string[] = []
    const slow: Step<Toy, any> = {...add('promote', 1), apply: async () => (await failed.fired, applied.push('promote'), 'promoted')}
    const flip: Step<Toy, any> = {...add('flip', 10), apply: async () => (setImmediate(failed.fire), Promise.reject(Object.assign(new Error('the failover group refused'), {code: 'Conflict'})))}
    const r = await run([laned(slow, 'postgres'), laned(add('repoint', 100, {applied}), 'postgres'), laned(flip, 'sql'), laned(add('verifyListener', 0, {applied}), 'sql'), add('after', 1, {applied})])
    assert.ok(r.error instanceof RunError)
    assert.match(r.error.message, /flip failed: the failover group refused/)
    assert.deepEqual(applied, ['promote'], 'the promotion under way finished; nothing after the failure started')
    assert.deepEqual(r.error.report.steps.map((s) => [s.id, s.status]), [['promote', 'succeeded'], ['repoint', 'skipped'], ['flip', 'failed'], ['verifyListener', 'skipped'], ['after', 'skipped']])
    assert.deepEqual(new Set(r.journal.completedSteps()), new Set(['promote']), 'a resume runs the rest')
    assert.equal(r.journal.meta().status, 'failed')
  })

  it("asks the gate one lane at a time (a fleet's gate takes a slot: two askers at once would take two)", async () => {
    let asking = 0
    let most = 0
    const asked: string[] = []
    const gate = async (step: {id: string}) => {
      asking++
      most = Math.max(most, asking)
      await new Promise((resolve) => setImmediate(resolve))
      asked.push(step.id)
      asking--
      return true
    }
    const r = await run([laned(add('promote', 1), 'postgres'), laned(add('flip', 1), 'sql'), laned(add('cosmos', 1), 'cosmos')], {gate})
    assert.equal(r.error, undefined)
    assert.deepEqual(asked.sort(), ['cosmos', 'flip', 'promote'])
    assert.equal(most, 1)
  })
})

describe('engine: what it reads around the lock (issue 15: no round trip that waits for nothing)', () => {
  /** A lock that says when its record is written and when it is this run's; `rival` makes the look for rivals find one. */
  const lockOf = (calls: string[], rival?: 'holds' | 'backs off'): NonNullable<EngineOptions<Toy>['lock']> => ({
    acquire: async (written) => {
      calls.push('record written')
      written?.()
      await new Promise((resolve) => setImmediate(resolve)) // the look for rivals' locks takes a round trip
      if (rival === 'holds') throw new AzfailError('locked', 'LockHeld', 'run r-other holds the lock')
      calls.push('lock held')
      return {waited: rival === 'backs off'}
    },
    check: () => {},
    release: async () => void calls.push('release'),
    lost: () => undefined,
  })
  const reading = (calls: string[]) => async (step?: Step<Toy, any>) => (calls.push(step ? `read for ${step.id}` : 'read'), {value: 0})

  it("starts the first step's read once its lock record is written, and applies the step only once the lock is the run's", async () => {
    const calls: string[] = []
    const r = await run([add('a', 1, {applied: calls}), add('b', 1, {applied: calls})], {lock: lockOf(calls), observe: reading(calls)})
    assert.equal(r.error, undefined)
    assert.deepEqual(calls, ['read', 'record written', 'read for a', 'lock held', 'a', 'read for b', 'b', 'release'])
  })

  it("changes nothing when the look for rivals finds one after the early read (LockHeld, exit 6)", async () => {
    const calls: string[] = []
    const r = await run([add('a', 1, {applied: calls})], {lock: lockOf(calls, 'holds'), observe: reading(calls)})
    assert.equal(r.error?.code, 'LockHeld')
    assert.equal(toAzfailError(r.error).exitCode, 6)
    assert.ok(!calls.includes('a'), `nothing applied: ${calls.join(', ')}`)
    assert.equal(r.journal.meta().status, 'locked')
  })

  it('reads again for the first step when the lock waited for another run to back off (what was read may be old)', async () => {
    const calls: string[] = []
    const r = await run([add('a', 1, {applied: calls})], {lock: lockOf(calls, 'backs off'), observe: reading(calls)})
    assert.equal(r.error, undefined)
    assert.deepEqual(calls, ['read', 'record written', 'read for a', 'lock held', 'read for a', 'a', 'release'])
  })

  it('reads nothing for a step whose plan live state cannot change (a check this machine cannot make)', async () => {
    const calls: string[] = []
    const check: Step<Toy, any> = {...add('check', 0, {applied: calls, changes: false}), planUnread: () => ({summary: 'not checked', changes: [], verdicts: [], skip: 'not checked: no database here'})}
    const r = await run([add('a', 1, {applied: calls}), check], {lock: lockOf(calls), observe: reading(calls)})
    assert.equal(r.error, undefined)
    assert.ok(!calls.includes('read for check'), `no read for the check: ${calls.join(', ')}`)
    assert.deepEqual(r.report!.steps.map((s) => [s.id, s.status, s.message]), [['a', 'succeeded', 'added 1 to 0'], ['check', 'skipped', 'not checked: no database here']])
  })

  it('sends the release before the closing read, which runs while it is in flight', async () => {
    const calls: string[] = []
    const r = await run([add('a', 1, {applied: calls})], {lock: lockOf(calls), observe: reading(calls), postconditions: () => []})
    assert.equal(r.error, undefined)
    assert.deepEqual(calls.slice(-2), ['release', 'read'])
  })
})
