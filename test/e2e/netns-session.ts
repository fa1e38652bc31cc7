// One session of azfail's production path, run INSIDE a loopback-only network namespace (identity.test.ts starts it
// with `unshare -n`): start the sandbox, sign in as one of its identities the way a user would
// (`eval "$(azfail sandbox env --identity X)"`), run azfail commands WITHOUT --sandbox, record each one's exit code
// and output. Nothing here can reach anything but loopback: a credential falling through to a metadata address fails.
import {spawn} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {WorldStore, control, demoWorld, sandboxAccess, sandboxRequest, startSandbox} from '#sandbox'
import {BIN} from '../helpers.ts'

export interface SessionSpec {
  stateDir: string
  work: string
  /** sandbox TTLs, as `sandbox reset --ttl` */
  ttl: number
  /** PATCH /_sandbox/settings before signing in (tokenLifetimeSeconds) */
  settings?: Record<string, unknown>
  /** management locks to place first, with the sandbox's static (admin) token: ARM id of the scope -> level */
  locks?: Array<{scope: string; name: string; level: 'CanNotDelete' | 'ReadOnly'}>
  /** identities to define at run time (PUT /_sandbox/identities/{name}) */
  define?: Record<string, {actions: string[]; notActions?: string[]; scopes?: string[]}>
  /** the runbook the commands use (the identity's exports carry AZFAIL_CONNECT: each private address to its loopback server) */
  runbook: string
  /** the commands to run, each as [identity or null (no sign-in variables), ...argv] */
  commands: Array<{identity: string | null; args: string[]; env?: Record<string, string>; unset?: string[]}>
}

export interface SessionResult {
  identities: Record<string, {clientId: string; role: string; missing?: string[]}>
  runs: Array<{identity: string | null; args: string[]; code: number | null; stdout: string; stderr: string; startedAt: string; endedAt: string}>
}

/** Every variable the production path reads, cleared so that only what the session sets counts. */
const SIGN_IN = ['AZURE_TOKEN_CREDENTIALS', 'AZURE_AUTHORITY_HOST', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_FEDERATED_TOKEN_FILE', 'AZURE_SUBSCRIPTION_ID', 'NODE_EXTRA_CA_CERTS', 'AZFAIL_ARM_ENDPOINT', 'AZFAIL_RESOLVERS', 'AZFAIL_CONNECT', 'IDENTITY_ENDPOINT', 'MSI_ENDPOINT']

function run(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {cwd, env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}

async function main(specFile: string): Promise<void> {
  const spec: SessionSpec = JSON.parse(readFileSync(specFile, 'utf8'))
  new WorldStore(spec.stateDir, () => demoWorld({ttl: spec.ttl}))
  const handle = await startSandbox({stateDir: spec.stateDir, publish: true})
  const base: NodeJS.ProcessEnv = {...process.env, CI: 'true'}
  for (const v of SIGN_IN) delete base[v]
  try {
    const access = sandboxAccess(handle.connection)
    if (spec.settings) await control(access, 'PATCH', '/settings', spec.settings)
    for (const lock of spec.locks ?? []) {
      const r = await sandboxRequest(access, 'PUT', `${lock.scope}/providers/Microsoft.Authorization/locks/${lock.name}?api-version=2020-05-01`, {body: JSON.stringify({properties: {level: lock.level, notes: 'change freeze'}})})
      if (r.status >= 300) throw new Error(`placing lock ${lock.name}: HTTP ${r.status} ${JSON.stringify(r.body)}`)
    }
    for (const [name, role] of Object.entries(spec.define ?? {})) {
      const r = await control(access, 'PUT', `/identities/${name}`, role)
      if (r.status !== 200) throw new Error(`defining identity ${name}: HTTP ${r.status} ${JSON.stringify(r.body)}`)
    }
    // connection.json publishes every identity, those defined at run time included
    const conn = JSON.parse(readFileSync(join(spec.stateDir, 'connection.json'), 'utf8'))
    const identities = conn.identities
    // as a user would: eval "$(azfail sandbox env --identity X)", stopping if that command fails
    const envLine = (identity: string) => `exports="$(node '${BIN}' sandbox env --identity '${identity}' --state-dir '${spec.stateDir}')" && eval "$exports"`
    const result: SessionResult = {
      identities: Object.fromEntries(Object.entries(identities).map(([name, i]: [string, any]) => [name, {clientId: i.clientId, role: i.role, ...(i.missing ? {missing: i.missing} : {})}])),
      runs: [],
    }
    for (const c of spec.commands) {
      const startedAt = new Date().toISOString()
      const script = `${c.identity ? `${envLine(c.identity)} && ` : ''}${c.unset?.length ? `unset ${c.unset.join(' ')} && ` : ''}exec node "$0" "$@"`
      const r = await run(['sh', '-c', script, BIN, ...c.args], {...base, ...c.env}, spec.work)
      result.runs.push({identity: c.identity, args: c.args, ...r, startedAt, endedAt: new Date().toISOString()})
    }
    writeFileSync(join(spec.work, 'session.json'), JSON.stringify(result, null, 2))
  } finally {
    await handle.stop()
  }
}

await main(process.argv[2])
