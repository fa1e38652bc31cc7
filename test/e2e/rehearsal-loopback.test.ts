// Rehearsals stay on loopback (issue 15): every azfail process started through `azfail sandbox env` (the production
// path, no --sandbox) runs under `strace -f`, which records each connect()/sendto()/sendmsg() the process and its
// threads make — TCP to ARM, Entra ID, PostgreSQL and the SQL listeners, UDP and TCP to the resolvers — and every
// address it names must be in 127.0.0.0/8 (or ::1). AZFAIL_CONNECT maps each private address the sandbox serves to
// its loopback server; an address it serves nothing for is refused with a message, never dialled.
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {postgresAvailable} from '#sandbox'
import {BIN} from '../helpers.ts'
import {type E2E, e2e, exportsOf} from './support.ts'

const strace = spawnSync('strace', ['-f', '-qq', '-e', 'trace=connect', 'true']).status === 0
const noPostgres = !postgresAvailable() && !process.env.CI ? "no PostgreSQL server binaries here ('pg_config' is missing)" : false

interface Traced {
  code: number | null
  stdout: string
  stderr: string
  /** every IPv4/IPv6 address the process connected or sent to */
  addresses: string[]
}

/** Runs azfail under strace with only PATH, HOME, CI and the exports in its environment. */
function traced(t: E2E, env: Record<string, string>, args: string[]): Promise<Traced> {
  const log = join(t.work, `strace-${args.join('-').replace(/[^\w-]/g, '')}.txt`)
  const child = spawn('strace', ['-f', '-qq', '-e', 'trace=connect,sendto,sendmsg,sendmmsg', '-o', log, process.execPath, BIN, ...args, '--runbook', t.runbook], {
    cwd: t.work,
    // Under strace and beside another test suite a sandbox answer can take longer than the 10 s default: what this
    // test judges is where azfail connects, not how fast (the timeout is tested in outage.test.ts, interrupt.test.ts).
    env: {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', CI: 'true', AZFAIL_REQUEST_TIMEOUT: '60', ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      const text = readFileSync(log, 'utf8')
      const v4 = [...text.matchAll(/inet_addr\("([^"]+)"\)/g)].map((m) => m[1])
      const v6 = [...text.matchAll(/inet_pton\(AF_INET6, "([^"]+)"/g)].map((m) => m[1])
      resolve({code, stdout, stderr, addresses: [...new Set([...v4, ...v6])]})
    })
  })
}

const offLoopback = (addresses: string[]) => addresses.filter((a) => !/^127\./.test(a) && a !== '::1' && !/^::ffff:127\./.test(a))

describe('a rehearsal through sandbox env never connects off loopback', {skip: !strace ? 'strace cannot trace here' : noPostgres}, () => {
  let t: E2E
  let env: Record<string, string>
  before(async () => {
    t = await e2e((text) => text, {postgres: true})
    env = await exportsOf(t)
  })
  after(() => t?.stop())

  it('sandbox env maps every PostgreSQL server and SQL private endpoint to its loopback server', () => {
    const connect = new Map(env.AZFAIL_CONNECT.split(',').map((e) => e.split('=') as [string, string]))
    const {postgres, sql} = t.sb.handle.connection
    for (const [server, listener] of Object.entries(postgres!)) assert.equal(connect.get(`${listener.split(':')[0]}:5432`), listener, server)
    for (const region of [20, 30]) assert.equal(connect.get(`10.${region}.2.4:1433`), sql![`sql-app-${region === 20 ? 'eus2' : 'wus2'}`])
    assert.deepEqual(offLoopback([...connect.values()].map((to) => to.split(':')[0])), [])
  })

  // Each command as an operator would run them during a failover and back, every one traced.
  const COMMANDS: Array<{args: string[]; code: number; then?: (r: Traced) => void}> = [
    {args: ['status'], code: 0},
    {args: ['doctor'], code: 0},
    {args: ['gameday'], code: 0},
    {args: ['drain', 'eus2', '--yes'], code: 0},
    {
      args: ['promote', '--replica', '--yes', '--json'],
      code: 0,
      then: (r) => {
        const steps = JSON.parse(r.stdout).result.steps
        assert.match(steps.find((s: any) => s.id === 'verifyWritable').message, /wrote row \d+ at 127\.0\.20\.2:\d+/)
      },
    },
    {
      args: ['promote', '--failover-group', '--yes', '--json'],
      code: 0,
      then: (r) => assert.match(JSON.parse(r.stdout).result.steps.find((s: any) => s.id === 'verifyListener').message, /TCP port 1433 reachable/),
    },
    {args: ['promote', '--cosmos', '--yes'], code: 0},
    {args: ['repoint', '--yes'], code: 0},
    {args: ['restore', 'eus2', '--yes'], code: 0},
    {args: ['promote', '--failover-group', '--to', 'eus2', '--yes'], code: 0},
    {
      // forced: the RPO reads both servers' replication positions, by their own names, over AZFAIL_CONNECT
      args: ['promote', '--replica', '--forced', '--to', 'eus2', '--yes', '--json'],
      code: 0,
      then: (r) => assert.equal(JSON.parse(r.stdout).result.steps.find((s: any) => s.id === 'promoteReplica').rpo.wal.measured, true, r.stdout),
    },
    {args: ['lock', 'status'], code: 0},
    {args: ['runs', 'list'], code: 0},
  ]
  const seen = new Set<string>()
  for (const command of COMMANDS) {
    it(`azfail ${command.args.join(' ')}`, async () => {
      const r = await traced(t, env, command.args)
      for (const a of r.addresses) seen.add(a)
      assert.deepEqual(offLoopback(r.addresses), [], `connected off loopback:\n${r.stderr}`)
      assert.equal(r.code, command.code, r.stdout + r.stderr)
      command.then?.(r)
    })
  }

  it('the trace saw the connections it judges: ARM, both resolvers, both PostgreSQL servers and both SQL listeners', () => {
    const {postgres, sql} = t.sb.handle.connection
    const expected = [new URL(env.AZFAIL_ARM_ENDPOINT).hostname, ...[...Object.values(t.sb.resolvers), ...Object.values(postgres!), ...Object.values(sql!)].map((a) => a.split(':')[0])]
    assert.deepEqual(expected.filter((a) => !seen.has(a)), [], `seen: ${[...seen].join(', ')}`)
  })
})

describe('a rehearsal where the sandbox serves no PostgreSQL', {skip: strace ? false : 'strace cannot trace here'}, () => {
  let t: E2E
  let env: Record<string, string>
  before(async () => {
    t = await e2e()
    env = await exportsOf(t)
  })
  after(() => t?.stop())

  it('promote --replica refuses to dial the server\'s private address 10.20.5.4:5432, saying why, and sends nothing off loopback', async () => {
    const r = await traced(t, env, ['promote', '--replica', '--yes', '--json'])
    assert.deepEqual(offLoopback(r.addresses), [], r.stderr)
    const out = JSON.parse(r.stdout)
    const promote = out.result?.steps?.find((s: any) => s.id === 'promoteReplica') ?? {}
    assert.match(promote.message ?? r.stdout, /azfail will not connect to 10\.\d+\.5\.4:5432: this is a rehearsal \(the ARM endpoint https:\/\/127\.[\d.]+:\d+ is on loopback\), and AZFAIL_CONNECT maps nothing for 10\.\d+\.5\.4:5432/)
  })

  it('refuses an AZFAIL_CONNECT entry with an octet over 255 with exit 2, naming the entry', async () => {
    const r = await traced(t, {...env, AZFAIL_CONNECT: `${env.AZFAIL_CONNECT},999.0.0.1:1433=127.0.0.1:11433`}, ['status'])
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(r.stderr, /AZFAIL_CONNECT has '999\.0\.0\.1:1433=127\.0\.0\.1:11433', which is not ip:port=host:port/)
  })

  it('refuses an Entra ID authority off loopback in a rehearsal with exit 2 before signing in', async () => {
    const r = await traced(t, {...env, AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.com'}, ['status'])
    assert.deepEqual(offLoopback(r.addresses), [], r.stderr)
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(r.stderr, /AZURE_AUTHORITY_HOST is https:\/\/login\.microsoftonline\.com, which is not on loopback, and this is a rehearsal/)
  })

  it('refuses a resolver off loopback in a rehearsal with exit 2 instead of querying it', async () => {
    const r = await traced(t, {...env, AZFAIL_RESOLVERS: env.AZFAIL_RESOLVERS.replace(/eus2=[^,]+/, 'eus2=10.20.0.4')}, ['drain', 'eus2', '--yes'])
    assert.deepEqual(offLoopback(r.addresses), [], r.stderr)
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(r.stderr, /The resolver of region 'eus2' is 10\.20\.0\.4, which is not on loopback, and this is a rehearsal/)
  })
})

