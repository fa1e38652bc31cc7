import {after, before, describe, it} from 'node:test'
import {type E2E, e2e} from './support.ts'
describe('probe', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())
  it('hang', async () => {
    await t.sb.outage({region: 'eus2', arm: 'hang'} as any)
    const started = Date.now()
    const r = await t.json(['failover', 'eus2', '--ungraceful', '--yes', '--events', 'ev.ndjson'], {timeoutMs: 240_000})
    console.log('took', Date.now() - started, r.code, JSON.stringify(r.out.error))
    for (const s of r.out.result?.steps ?? []) console.log(s.id, s.status, s.durationMs, s.startedAt)
    const {readFileSync} = await import('node:fs')
    for (const l of readFileSync(t.work + '/ev.ndjson', 'utf8').split('\n').filter(Boolean)) { const e = JSON.parse(l); console.log(e.at ?? e.time ?? '', e.type, e.step?.id ?? '', (e.text ?? '').slice(0, 80)) }
  })
})
