// kill -9 at a random moment of each changing action, then `azfail resume`: the estate always reaches the state an
// uninterrupted run leaves, no write is repeated, no lock is left, and every exit code is right. AZFAIL_KILL_TRIALS
// sets the trials per action (the suite runs 1; the acceptance runs 8).
import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {type E2E, FD_ORIGIN, TM_EP, e2e, spawnAzfail} from './support.ts'

const TRIALS = Number(process.env.AZFAIL_KILL_TRIALS ?? 1)
const STATE = ['rg-connectivity-dns', 'private.postgres.database.azure.com'] as const
const EUS2_ENDPOINTS = ['pe-kv-app-eus2', 'pe-sqlfog-eus2', 'pe-cosmos-eus2']

interface Action {
  name: string
  /** the action its run journals */
  action: string
  args: string[]
  /** about how long the uninterrupted action takes here, to pick a kill moment inside it */
  typicalMs: number
  before?(t: E2E): Promise<void>
  /** writes (path pattern) the action makes, each exactly once */
  writes: RegExp[]
  final(t: E2E): Promise<void>
}

async function steering(t: E2E, region: string) {
  const tm = await t.sb.clients.trafficManager()
  const cdn = await t.sb.clients.frontDoor()
  return [(await tm.endpoints.get('rg-global', 'tm-app', 'AzureEndpoints', `ep-${region}`)).endpointStatus, (await cdn.afdOrigins.get('rg-global', 'fd-app', 'og-app', `origin-${region}`)).enabledState]
}

async function txt(t: E2E, name: string) {
  const dns = await t.sb.clients.privateDns()
  return dns.recordSets.get(...STATE, 'TXT', name).then(() => true, (e: any) => (e.statusCode === 404 ? false : Promise.reject(e)))
}

const ACTIONS: Action[] = [
  {
    name: 'drain eus2',
    action: 'drain',
    args: ['drain', 'eus2', '--yes'],
    typicalMs: 3500,
    writes: [TM_EP('eus2'), FD_ORIGIN('eus2'), /TXT\/_azfail-drain-eus2$/],
    final: async (t) => {
      assert.deepEqual(await steering(t, 'eus2'), ['Disabled', 'Disabled'])
      assert.equal(await txt(t, '_azfail-drain-eus2'), true)
    },
  },
  {
    name: 'drain eus2 --teardown',
    action: 'drain',
    args: ['drain', 'eus2', '--teardown', '--yes'],
    typicalMs: 4500,
    writes: [TM_EP('eus2'), FD_ORIGIN('eus2'), /TXT\/_azfail-drain-eus2$/, ...EUS2_ENDPOINTS.map((pe) => new RegExp(`privateEndpoints/${pe}$`))],
    final: async (t) => {
      assert.deepEqual(await steering(t, 'eus2'), ['Disabled', 'Disabled'])
      const network = await t.sb.clients.network()
      for (const pe of EUS2_ENDPOINTS) await assert.rejects(network.privateEndpoints.get('rg-spoke-eus2', pe), (e: any) => e.statusCode === 404)
    },
  },
  {
    name: 'promote --replica',
    action: 'promote-replica',
    args: ['promote', '--replica', '--yes'],
    typicalMs: 2500,
    writes: [/flexibleServers\/pg-app-wus2$/, /CNAME\/prod$/],
    final: async (t) => {
      const pg = await t.sb.clients.postgres()
      assert.equal((await pg.servers.get('rg-data-wus2', 'pg-app-wus2')).replica?.role, 'Primary')
      const dns = await t.sb.clients.privateDns()
      assert.equal((await dns.recordSets.get(...STATE, 'CNAME', 'prod')).cnameRecord?.cname, 'pg-app-wus2.private.postgres.database.azure.com')
    },
  },
  {
    name: 'promote --failover-group',
    action: 'promote-failover-group',
    args: ['promote', '--failover-group', '--yes'],
    typicalMs: 2000,
    writes: [/failoverGroups\/app-fog\/failover$/i],
    final: async (t) => {
      const sql = await t.sb.clients.sql()
      assert.equal((await sql.failoverGroups.get('rg-data-wus2', 'sql-app-wus2', 'app-fog')).replicationRole, 'Primary')
    },
  },
  {
    name: 'restore eus2',
    action: 'restore',
    args: ['restore', 'eus2', '--yes'],
    typicalMs: 2000,
    before: async (t) => assert.equal((await t.json(['drain', 'eus2', '--yes'])).code, 0),
    writes: [TM_EP('eus2'), FD_ORIGIN('eus2'), /TXT\/_azfail-drain-eus2$/],
    final: async (t) => {
      assert.deepEqual(await steering(t, 'eus2'), ['Enabled', 'Enabled'])
      assert.equal(await txt(t, '_azfail-drain-eus2'), false)
    },
  },
]

describe('kill -9 at a random moment, then resume', () => {
  for (const action of ACTIONS) {
    it(`${action.name}: ${TRIALS} trial(s) reach the uninterrupted final state`, async () => {
      for (let trial = 0; trial < TRIALS; trial++) {
        const t = await e2e()
        try {
          await action.before?.(t)
          t.sb.mark()
          const delay = Math.round(150 + Math.random() * action.typicalMs)
          const why = `${action.name}, trial ${trial}, killed after ${delay} ms`
          const run = spawnAzfail(t, action.args)
          const killed = await Promise.race([run.closed.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), delay))])
          if (killed) {
            run.child.kill('SIGKILL')
            await run.closed
          }
          const runs = join(t.work, '.azfail', 'runs')
          // A kill between the run directory's creation and its first run.json leaves a directory without one: not a
          // journaled run (runs list and resume skip it, as here).
          const journaled = (d: string) => existsSync(join(runs, d, 'run.json'))
          const runId = existsSync(runs) ? readdirSync(runs).filter(journaled).find((d) => JSON.parse(readFileSync(join(runs, d, 'run.json'), 'utf8')).action === action.action) : undefined
          const status = runId ? JSON.parse(readFileSync(join(runs, runId, 'run.json'), 'utf8')).status : undefined
          if (!runId) {
            // Killed before the run was journaled: nothing to resume, so the operator runs the command again.
            assert.equal((await t.json(action.args)).code, 0, why)
          } else if (status === 'succeeded') {
            assert.deepEqual((await t.json(['resume', runId, '--yes'])).code, 2, `${why}: a finished run is not resumed`)
          } else {
            const {code, out} = await t.json(['resume', runId, '--yes'])
            assert.equal(code, 0, `${why}: ${JSON.stringify(out.error)}`)
          }
          await action.final(t)
          const writes = t.sb.requests().filter((r) => r.method !== 'GET' && r.status < 400 && !/_azfail-lock$/.test(r.path))
          for (const re of action.writes) assert.equal(writes.filter((w) => re.test(w.path)).length, 1, `${why}: ${re} written once (${JSON.stringify(writes.map((w) => `${w.method} ${w.path}`))})`)
          assert.equal(await txt(t, '_azfail-lock'), false, `${why}: no lock left behind`)
        } finally {
          await t.stop()
        }
      }
    })
  }
})
