// The TTL wait after a drain. After this process's own drain it always runs, however slow the steps before it were (a
// loaded machine planned it after the window had passed and skipped it as done, so it never looked at the steering at
// its end). It counts on the earliest Azure's time can be now either way: a second more than the window at most, and
// never less than what another process (a resume's teardown) will judge.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {AzureClock} from '../../src/azure/clock.ts'
import type {LiveState, RegionState} from '../../src/estate/state.ts'
import {drainedBeforeTeardown} from '../../src/guards/guards.ts'
import {DEMO_RUNBOOK, loadRunbook} from '../../src/runbook/load.ts'
import type {StepContext} from '../../src/steps/context.ts'
import {waitOutTtl} from '../../src/steps/wait-out-ttl.ts'
import {region} from '../live-state.ts'

const {estate} = loadRunbook(DEMO_RUNBOOK).runbook
const WINDOW_S = 10 + estate.connectionDrainSeconds

/** Azure's clock after one answer (a second and a tenth of uncertainty), on a monotonic clock the test moves. */
function answeredOnce(): {clock: AzureClock; advance(ms: number): void} {
  let mono = 5_000
  const clock = new AzureClock(() => mono)
  clock.observe(new Date(Date.parse('2030-01-01T00:00:00Z')).toUTCString(), 4_900, 5_000)
  return {clock, advance: (ms) => void (mono += ms)}
}

function planned(clock: AzureClock, drainedAt: string, seen: Partial<RegionState> = {}) {
  const ctx = {estate, resolvers: {}, now: () => clock.now(), stamp: () => clock.stamp(), stampedHere: (t: number) => clock.stampedHere(t), command: (a: string) => `azfail ${a}`} as unknown as StepContext
  const state: LiveState = {
    observedAt: new Date().toISOString(),
    target: 'sandbox',
    steering: {trafficManager: {profile: 'tm-app', ttl: 10}},
    regions: {
      eus2: region('eus2', {serving: false, drain: {drainedAt, runId: 'r', layers: ['trafficManager', 'frontDoor']}, steeringWrites: [], ...seen}),
      wus2: region('wus2'),
    },
    data: {},
  }
  const step = waitOutTtl.create(ctx, {action: 'drain', region: 'eus2'} as any)
  return step.plan(state)
}

describe('the TTL wait after a drain', () => {
  it('this process stamped the drain 100 ms ago: the wait is the window and the header\'s second, counted on the earliest bound', () => {
    const {clock, advance} = answeredOnce()
    const drainedAt = new Date(clock.stamp()).toISOString()
    advance(100)
    const plan = planned(clock, drainedAt)
    assert.equal(plan.data?.total, WINDOW_S)
    assert.equal(plan.waitSeconds, WINDOW_S + 1)
    assert.equal(plan.done, undefined)
  })

  it('this process stamped the drain longer ago than the window (a loaded machine, slow steps between): the wait still runs, for its last look', () => {
    const {clock, advance} = answeredOnce()
    const drainedAt = new Date(clock.stamp()).toISOString()
    advance((WINDOW_S + 5) * 1000)
    const plan = planned(clock, drainedAt)
    assert.equal(plan.waitSeconds, 0)
    assert.equal(plan.done, undefined, 'not skipped as done: the wait looks at the steering once more')
  })

  it("another process's drain, the window long passed: skipped as done", () => {
    const {clock, advance} = answeredOnce()
    const drainedAt = new Date(clock.latest()).toISOString()
    advance((WINDOW_S + 5) * 1000)
    assert.match(String(planned(clock, drainedAt).done), /have passed since the drain/)
  })

  it("another process's drain at the same time: the earliest Azure's time can be now counts, a second more", () => {
    const {clock, advance} = answeredOnce()
    const drainedAt = new Date(clock.latest()).toISOString() // written with the same bound, but not stamped here
    advance(100)
    assert.equal(planned(clock, drainedAt).waitSeconds, WINDOW_S + 1)
  })

  // Seen on a loaded machine (drift.test, two suites at once): the wait's read of the Traffic Manager profile was held
  // 8 s; its Activity Log read, asked at the start, listed the first of two outside writes. Planned 8 s later, the
  // window from that write had passed, and the wait was skipped as done; the second write restarted it, and the
  // teardown guard (rightly) refused the drain. A window is proven passed only if it had passed when the log was asked.
  it("another process's drain, written since: the window passed after the Activity Log was asked, so the wait runs", () => {
    const {clock, advance} = answeredOnce()
    const drainedAt = new Date(clock.latest()).toISOString()
    const write = {at: new Date(Date.parse(drainedAt) + 1000).toISOString(), caller: 'someone', operation: 'Microsoft.Network/trafficManagerProfiles/azureEndpoints/write', resourceId: 'ep-eus2', status: 'Succeeded'}
    advance(3000)
    const askedAt = new Date(clock.now()).toISOString()
    advance((WINDOW_S + 5) * 1000)
    const plan = planned(clock, drainedAt, {steeringWrites: [write], steeringWritesAskedAt: askedAt})
    assert.equal(plan.done, undefined, 'not skipped: a write after the log was asked would not be in its answer')
    assert.equal(plan.waitSeconds, 0, 'no wait left; its look at the steering, begun after the window, decides')
    const later = planned(clock, drainedAt, {steeringWrites: [write], steeringWritesAskedAt: new Date(clock.now()).toISOString()})
    assert.match(String(later.done), /have passed since the last write/, 'asked after the window passed: done')
  })

  it('the teardown guard counts the window to when the Activity Log was asked, not to when the read ended', () => {
    const {clock, advance} = answeredOnce()
    const drainedAt = new Date(clock.latest()).toISOString()
    const write = {at: new Date(Date.parse(drainedAt) + 1000).toISOString(), caller: 'someone', operation: 'Microsoft.Network/trafficManagerProfiles/azureEndpoints/write', resourceId: 'ep-eus2', status: 'Succeeded'}
    const state = (askedAt: string): LiveState => ({
      observedAt: new Date().toISOString(),
      target: 'sandbox',
      steering: {trafficManager: {profile: 'tm-app', ttl: 10}},
      regions: {
        eus2: region('eus2', {serving: false, trafficManager: {name: 'ep-eus2', status: 'Disabled'}, frontDoor: {name: 'origin-eus2', enabledState: 'Disabled'}, drain: {drainedAt, runId: 'r', layers: ['trafficManager', 'frontDoor']}, steeringWrites: [write], steeringWritesAskedAt: askedAt}),
        wus2: region('wus2'),
      },
      data: {},
    })
    advance(3000)
    const early = new Date(clock.now()).toISOString()
    advance((WINDOW_S + 5) * 1000)
    const refused = drainedBeforeTeardown(state(early), 'eus2', estate.connectionDrainSeconds, clock.now())
    assert.equal(refused.ok, false, refused.observed)
    const passed = drainedBeforeTeardown(state(new Date(clock.now()).toISOString()), 'eus2', estate.connectionDrainSeconds, clock.now())
    assert.equal(passed.ok, true, passed.observed)
  })
})
