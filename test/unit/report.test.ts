// The reports over a made-up practice, no sandbox: the game day's RTO is the failover's (drain to the last promotion),
// the failback is measured on its own; the timeline has a time axis, an RTO line per phase and each phase's measured
// RTO; checks fold, failures first and open; what is shown is escaped.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import type {StepRecord} from '../../src/engine/types.ts'
import type {Check} from '../../src/gameday/checks.ts'
import {html, markdown, practiceTimeline} from '../../src/gameday/report.ts'
import {axisOf, timelineHtml} from '../../src/report/timeline.ts'
import type {GamedayResult} from '../../src/services/gameday.ts'
import {type PracticePhase, type PracticeResult, measureStages, practiceChecks} from '../../src/services/practice.ts'

const T0 = Date.parse('2026-11-24T10:00:00.000Z')
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString()

/** A step from `from` to `to` seconds after T0. */
const step = (id: string, from: number, to: number, status: StepRecord['status'] = 'succeeded', kind = id): StepRecord => ({id, kind, status, startedAt: at(from), endedAt: at(to), durationMs: (to - from) * 1000, message: `${id} ${status}`})

const phase = (p: Pick<PracticePhase, 'phase' | 'stage' | 'action'> & {steps: StepRecord[]; status?: string}): PracticePhase => ({
  options: {},
  status: 'succeeded',
  startedAt: p.steps[0]?.startedAt ?? at(0),
  durationMs: 0,
  ...p,
})

/** Failover from 1 s to 101 s (a 60 s wait in it), failback from 102 s to 252 s; the RTO is 200 s. */
function practiced(overrides: Partial<PracticeResult> = {}, phases?: PracticePhase[]): PracticeResult {
  const ps = phases ?? [
    phase({phase: 'drain', stage: 'failover', action: 'drain', steps: [step('drainSteering', 1, 5), step('waitOutTtl', 5, 65), step('verifySurvivorResolution', 65, 66)]}),
    phase({phase: 'promote', stage: 'failover', action: 'promote-replica', steps: [step('promoteReplica', 66, 100), step('repointCname', 100, 101)]}),
    phase({phase: 'restore', stage: 'failback', action: 'restore', steps: [step('enableSteering', 102, 110)]}),
    phase({phase: 'failback', stage: 'failback', action: 'promote-replica', steps: [step('promoteReplica', 110, 250), step('repointCname', 250, 252)]}),
  ]
  return {
    runbook: 'rb.yaml', region: 'eus2', survivor: 'wus2', rtoSeconds: 200, startedAt: at(0), totalMs: 253_000, phases: ps, stages: measureStages(ps),
    expectation: {text: 'all complete', held: true, observed: 'all 4 phases succeeded'}, faultHits: [],
    ...overrides,
  }
}

const gameday = (checks: Check[], p?: PracticeResult): GamedayResult => ({
  status: checks.some((c) => c.status === 'failed') ? 'not-ready' : 'ready', startedAt: at(0), endedAt: at(260), durationMs: 260_000, target: 'sandbox',
  runbooks: [{file: 'rb.yaml', name: 'demo'}], summary: {passed: 0, failed: 0, warnings: 0, skipped: 0}, checks, regions: [], ...(p ? {practice: p} : {}),
})

describe('the practice RTO', () => {
  it('measures the failover alone (drain to the last promotion) against the RTO, not failover plus failback', () => {
    const checks = practiceChecks(practiced())
    const rto = checks.find((c) => c.id === 'rto')!
    assert.equal(rto.status, 'passed', 'the failover took 100 s of a 200 s RTO, although failover and failback took 251 s')
    assert.equal(rto.observed, "100.0s from the drain's first step to the last promotion's end")
    const failback = checks.find((c) => c.id === 'rto/failback')!
    assert.deepEqual([failback.status, failback.observed], ['passed', "150.0s from the restore's first step to the last promotion's end"])
    const tighter = practiceChecks(practiced({rtoSeconds: 120}))
    assert.deepEqual(tighter.filter((c) => c.category === 'rto').map((c) => [c.id, c.status]), [['rto', 'passed'], ['rto/failback', 'warning']], 'a slow failback warns; it does not fail the game day')
  })

  it('fails when the failover alone is over the RTO, and says where a failover that did not complete stopped', () => {
    assert.equal(practiceChecks(practiced({rtoSeconds: 90})).find((c) => c.id === 'rto')!.status, 'failed')
    const stopped = practiced({}, [
      phase({phase: 'drain', stage: 'failover', action: 'drain', steps: [step('drainSteering', 1, 5)]}),
      phase({phase: 'promote', stage: 'failover', action: 'promote-replica', status: 'failed', steps: [step('promoteReplica', 6, 9, 'failed'), {id: 'repointCname', kind: 'repointCname', status: 'skipped', startedAt: at(9), endedAt: at(9), durationMs: 0, message: 'not run: an earlier step did not succeed'}]}),
    ])
    const checks = practiceChecks(stopped)
    assert.deepEqual([checks.find((c) => c.id === 'rto')!.status, checks.find((c) => c.id === 'rto')!.observed], ['failed', 'did not complete (stopped at promote (promote-replica) failed)'])
    assert.deepEqual([checks.find((c) => c.id === 'rto/failback')!.status, checks.find((c) => c.id === 'rto/failback')!.observed], ['skipped', 'not measured: the failback did not run'])
  })
})

describe('the timeline', () => {
  it('has at most 11 round ticks and ends on the first tick at or past the last second', () => {
    assert.deepEqual(axisOf(0), {end: 1, ticks: [0, 1]})
    assert.deepEqual(axisOf(23), {end: 25, ticks: [0, 5, 10, 15, 20, 25]})
    assert.deepEqual(axisOf(452), {end: 480, ticks: [0, 60, 120, 180, 240, 300, 360, 420, 480]})
  })

  it('groups failover then failback, each with its measured RTO and an RTO line rto seconds after its first step', () => {
    const page = timelineHtml(practiceTimeline(practiced()))
    // The failback's line stands at 102 + 200 = 302 s: the axis runs to 360 s in 60 s ticks.
    assert.match(page, /data-axis-seconds="360"/)
    assert.deepEqual([...page.matchAll(/class="tick" data-seconds="(\d+)" style="left:([\d.]+)%"/g)].map((m) => [Number(m[1]), Number(m[2])]), [[0, 0], [60, 16.67], [120, 33.33], [180, 50], [240, 66.67], [300, 83.33], [360, 100]])
    const groups = [...page.matchAll(/<section class="phase" data-phase="(\w+)" data-verdict="(\w+)" data-measured-seconds="([\d.]+)">/g)].map((m) => m.slice(1))
    assert.deepEqual(groups, [['failover', 'within', '100.0'], ['failback', 'within', '150.0']])
    assert.match(page, /Measured RTO 100\.0s \(first step start to last step end\), within the RTO of 200s\./)
    const markers = [...page.matchAll(/class="rto-marker" data-phase="(\w+)" data-seconds="([\d.]+)" style="left:([\d.]+)%"><span class="rto-label[^"]*">RTO 200s</g)].map((m) => m.slice(1))
    assert.deepEqual(markers, [['failover', '201.00', '55.83'], ['failback', '302.00', '83.89']])
    assert.match(page, /class="bar wait succeeded" data-step="waitOutTtl" data-start-seconds="5.00" data-duration-seconds="60.00" style="left:1.39%;width:16.67%"/)
  })

  it('says a phase over the RTO is over, by how much, and a phase that stopped where it stopped', () => {
    const over = timelineHtml(practiceTimeline(practiced({rtoSeconds: 120})))
    assert.match(over, /data-phase="failback" data-verdict="over"[^]*30\.0s over the RTO of 120s/)
    const stopped = practiced({}, [
      phase({phase: 'drain', stage: 'failover', action: 'drain', steps: [step('drainSteering', 1, 5)]}),
      phase({phase: 'promote', stage: 'failover', action: 'promote-replica', status: 'failed', steps: [step('promoteReplica', 6, 9, 'failed')]}),
    ])
    const page = timelineHtml(practiceTimeline(stopped))
    assert.match(page, /data-phase="failover" data-verdict="stopped"[^]*Did not complete: stopped at promote \(promote-replica\) failed after 8\.0s/)
    assert.doesNotMatch(page, /data-phase="failback"/)
  })

  it('renders the same groups in Markdown, one table per phase', () => {
    const md = markdown(gameday([], practiced()))
    assert.match(md, /\*\*Failover\*\* \(drain → promote\): measured RTO 100\.0s .*within the RTO of 200s\.\n\n\| phase \| action \| step \| status \| duration \| start \| end \| message \|/)
    assert.match(md, /\| drain \| drain \| waitOutTtl \| succeeded \| 60\.0s \| \+5\.0s \| \+65\.0s \| waitOutTtl succeeded \|/)
    assert.match(md, /\*\*Failback\*\* \(restore → failback\): measured RTO 150\.0s/)
  })
})

describe('the game-day page', () => {
  const check = (id: string, status: Check['status'], observed = id): Check => ({id, category: 'records', title: id, status, observed, expected: 'e'})

  it('shows failures first and open, warnings open, and folds what passed', () => {
    const page = html(gameday([check('ok1', 'passed'), check('bad1', 'failed'), check('warn1', 'warning'), check('ok2', 'passed'), check('bad2', 'failed')]))
    const cards = [...page.matchAll(/<details class="check (\w+)" data-check="(\w+)"( open)?>/g)].map((m) => `${m[2]}${m[3] ? ' open' : ''}`)
    assert.deepEqual(cards, ['bad1 open', 'bad2 open', 'warn1 open', 'ok1', 'ok2'])
    assert.match(page, /<details class="fold" id="passed"><summary>2 passed<\/summary>/)
  })

  it('escapes what it shows', () => {
    const page = html(gameday([check('x', 'failed', `<script>alert("pwned")</script> & 'more'`)]))
    assert.ok(page.includes('<dd>&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &#39;more&#39;</dd>'))
    assert.doesNotMatch(page, /<script/)
  })
})
