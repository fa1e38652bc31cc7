// A corpus of bad flags, arguments and environment variables (issue 17): each is answered with exit 2 and a message
// that names the flag or variable, before anything is read from Azure: the sandbox's request log gains no entry (no
// read, no write), and nothing is written locally (the case's working directory, where the journal would go, stays
// empty). Variables run on the production path at the sandbox (the exports of 'azfail sandbox env'), where azfail
// reads them; flags run with --sandbox unless they concern the production path. Cases run three at a time: a case
// passes only if the log gained no request at all while it ran, so one that makes a request cannot pass.
import assert from 'node:assert/strict'
import {readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {runCli, tempDir} from '../helpers.ts'
import {type E2E, e2e, exportsOf} from './support.ts'

interface Case {
  /** what is wrong, for the test's name */
  name: string
  args: string[]
  env?: Record<string, string>
  /** azure: the production path through the sandbox's exports; sandbox: --sandbox; none: the args as they are */
  via?: 'azure' | 'sandbox' | 'none'
  /** the flag, argument or variable the message must name */
  names: RegExp
  /** the runbook, when not the test's copy of the demo */
  runbook?: 'notify'
  /** text the message must not show (a secret) */
  hides?: string
}

const DRAIN = ['drain', 'eus2', '--yes']
const ESC = '\u001b]0;pwned\u0007\u001b[2J'

/** Variables: a command that would read (status) or act (drain --yes) with each, on the path that reads it. */
const variables = (name: string, command: string[], values: string[]): Case[] =>
  values.map((value) => ({name: `${name}=${JSON.stringify(value)}`, args: command, env: {[name]: value}, via: 'azure', names: new RegExp(name)}))

const ENVIRONMENT: Case[] = [
  ...variables('AZFAIL_LOCK_LEASE_SECONDS', DRAIN, ['1e9', '-5', '0', 'abc', '1e20', '2.5', '3601', '0x10', `12${ESC}`]),
  ...variables('AZFAIL_REQUEST_TIMEOUT', ['status'], ['ten', '0', '-1', '1e3', 'Infinity', '3601']),
  ...variables('AZFAIL_DNS_TIMEOUT', ['status'], ['0', '61', 'NaN', '1,5']),
  ...variables('AZFAIL_NOTIFY_TIMEOUT', DRAIN, ['soon', '601', '0']),
  ...variables('AZFAIL_RESOLVERS', ['status'], [
    'eus2=999.1.1.1:53',
    'eus2=127.0.0.1:99999',
    'eus2=127.0.0.1:0',
    'xx=127.0.0.1:53',
    'eus2',
    'eus2=127.0.0.1:53,eus2=127.0.0.2:53',
    'EUS2=127.0.0.1:53',
    'eus2=localhost:53',
    'eus2=127.0.0.1:53;wus2=127.0.0.2:53',
  ]),
  ...variables('AZFAIL_CONNECT', ['status'], ['999.0.0.1:1433=127.0.0.1:11433', '10.20.2.4:1433=127.0.0.1:70000', '10.20.2.4=127.0.0.1:1', '10.20.2.4:1433=127.0.0.300:1', '10.20.2.4:0=127.0.0.1:1', '10.20.2.4:1433']),
  ...variables('AZURE_SUBSCRIPTION_ID', ['status'], ['not-a-guid', '../../x', '5a4dbf5e-0c1d-4a8e-9e51-7d0c2a3f9b1', '5a4dbf5e-0c1d-4a8e-9e51-7d0c2a3f9b11/resourceGroups/x']),
  ...variables('AZURE_TENANT_ID', ['status'], ['../evil', 'two words']),
  ...variables('AZURE_CLIENT_ID', ['status'], ['not-a-guid']),
  ...variables('AZURE_TOKEN_CREDENTIALS', ['status'], ['NoSuchCredential']),
  ...variables('AZURE_FEDERATED_TOKEN_FILE', ['status'], ['/nonexistent/token', '/']),
  ...variables('AZFAIL_ARM_ENDPOINT', ['status'], ['http://127.0.0.1:1', 'not a url']),
  ...variables('AZURE_AUTHORITY_HOST', ['status'], ['ftp://127.0.0.1']),
  // A webhook variable the runbook names: bad input, and its value (a secret) never shown.
  ...['http://hooks.example.com/services/T0/B0/XyZ', 'hooks.example.com/services/T0/B0/XyZ'].map(
    (value): Case => ({name: `AZFAIL_SLACK_WEBHOOK=${JSON.stringify(value)}`, args: DRAIN, env: {AZFAIL_SLACK_WEBHOOK: value}, via: 'azure', names: /AZFAIL_SLACK_WEBHOOK/, runbook: 'notify', hides: 'T0/B0'}),
  ),
]

const flag = (name: string, args: string[], names: RegExp, via: Case['via'] = 'sandbox'): Case => ({name, args, names, via})

const FLAGS: Case[] = [
  flag('--subscription ../../x on the production path', ['status', '--subscription', '../../x'], /--subscription/, 'azure'),
  flag('--subscription not-a-guid', ['status', '--subscription', 'not-a-guid'], /--subscription/),
  flag('init --subscription nope', ['init', '--subscription', 'nope'], /--subscription/, 'azure'),
  flag('--reason of spaces', [...DRAIN, '--override', 'last-region', '--reason', '   '], /--reason/),
  flag('--reason empty', [...DRAIN, '--override', 'last-region', '--reason', ''], /--reason/),
  flag('--reason of 201 characters', [...DRAIN, '--override', 'last-region', '--reason', 'x'.repeat(201)], /--reason/),
  flag('--reason a tab, with --skip-layer', [...DRAIN, '--skip-layer', 'frontDoor', '--reason', '\t'], /--reason/),
  flag('lock release --reason of spaces', ['lock', 'release', '--reason', '  '], /--reason/),
  flag('--override without --reason', [...DRAIN, '--override', 'last-region'], /--override/),
  flag('--override naming no guard', [...DRAIN, '--override', 'no-such-guard', '--reason', 'why'], /--override/),
  flag('region the runbook lacks', ['drain', 'nowhere', '--yes'], /region/),
  flag('region in capitals', ['drain', 'EUS2', '--yes'], /region/),
  flag('region with a shell metacharacter', ['drain', 'eus2;rm', '--yes'], /region/),
  flag('promote --to a region the runbook lacks', ['promote', '--replica', '--yes', '--to', 'nope'], /--to/),
  flag('repoint --to a path', ['repoint', '--yes', '--to', '../x'], /--to/),
  flag('gameday --region the runbook lacks', ['gameday', '--region', 'xx'], /--region/),
  flag('gameday --region a path', ['gameday', '--region', '../x'], /--region/),
  flag('--skip-layer naming no layer', [...DRAIN, '--skip-layer', 'bogus', '--reason', 'why'], /--skip-layer/),
  flag('--cloud naming no cloud', ['status', '--cloud', 'Mars'], /--cloud/, 'azure'),
  flag('--ack that is no step id', [...DRAIN, '--ack', 'bad id!'], /--ack/),
  flag('--ack in the wrong case', [...DRAIN, '--ack', 'manualaction1'], /--ack/),
  flag('--runs-dir empty', [...DRAIN, '--runs-dir', ''], /--runs-dir/),
  flag('--runs-dir with a newline', [...DRAIN, '--runs-dir', 'runs\nx'], /--runs-dir/),
  flag('--runbook empty', ['drain', 'eus2', '--yes', '--sandbox', '--runbook', ''], /--runbook/, 'none'),
  flag('lint with an empty file argument', ['lint', ''], /file argument/, 'none'),
  flag('gameday with an empty runbook argument', ['gameday', '--sandbox', '--state-dir', 'SBX', 'RUNBOOK', ''], /runbooks argument/, 'none'),
  flag('--state-dir empty', ['status', '--sandbox', '--state-dir', ''], /--state-dir/, 'none'),
  flag('runs show with a path for a run id', ['runs', 'show', '../../etc'], /run id/, 'none'),
  flag('runs show with an empty run id', ['runs', 'show', ''], /run id/, 'none'),
  flag('resume with a path for a run id', ['resume', '../x', '--yes'], /run id/, 'azure'),
  flag('resume with a word for a run id', ['resume', 'latest', '--yes'], /run id/, 'azure'),
  flag('resume with a run id too long', ['resume', '20261121-221549-52c430x', '--yes'], /run id/, 'azure'),
  flag('sandbox reset --ttl beyond Azure\'s range', ['sandbox', 'reset', '--ttl', '99999999999', '--dry-run', '--state-dir', 'SBX'], /--ttl/, 'none'),
  flag('sandbox reset --ttl negative', ['sandbox', 'reset', '--ttl', '-1', '--dry-run', '--state-dir', 'SBX'], /--ttl/, 'none'),
  flag('sandbox reset --token-lifetime of 1000 years', ['sandbox', 'reset', '--token-lifetime', '1000y', '--dry-run', '--state-dir', 'SBX'], /--token-lifetime/, 'none'),
  flag('sandbox reset --token-lifetime of no unit', ['sandbox', 'reset', '--token-lifetime', 'soon', '--dry-run', '--state-dir', 'SBX'], /--token-lifetime/, 'none'),
  flag('sandbox reset --estate naming none', ['sandbox', 'reset', '--estate', 'prod', '--dry-run', '--state-dir', 'SBX'], /--estate/, 'none'),
  flag('sandbox outage --arm that is no status', ['sandbox', 'outage', 'eus2', '--arm', '999', '--state-dir', 'SBX'], /--arm/, 'none'),
]

const CORPUS = [...ENVIRONMENT, ...FLAGS]

describe('bad flags and variables: exit 2 naming them, before anything is read from Azure, nothing written', {concurrency: 3}, () => {
  let t: E2E
  let exports: Record<string, string>
  let notifyRunbook: string
  const dirs: string[] = []
  before(async () => {
    t = await e2e()
    exports = await exportsOf(t)
    notifyRunbook = join(t.work, 'notify.yaml')
    writeFileSync(notifyRunbook, `${readFileSync(t.runbook, 'utf8')}notify:\n  - {kind: slack, urlEnv: AZFAIL_SLACK_WEBHOOK}\n`)
  })
  after(async () => {
    await t?.stop()
    for (const dir of [...dirs, t?.work, t?.sb.dir]) if (dir) rmSync(dir, {recursive: true, force: true})
  })

  it(`the corpus has at least 60 cases (${CORPUS.length})`, () => assert.ok(CORPUS.length >= 60))

  for (const c of CORPUS) {
    it(c.name.replace(/[\u0000-\u001f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`), async () => {
      const cwd = tempDir('azfail-badinput-')
      dirs.push(cwd)
      const runbook = c.runbook === 'notify' ? notifyRunbook : t.runbook
      const via = c.via ?? 'sandbox'
      // A sandbox state dir a case names (SBX) is one that does not exist yet, inside the case's directory.
      const named: Record<string, string> = {SBX: join(cwd, 'sbx'), RUNBOOK: runbook}
      const args = [...c.args.map((a) => named[a] ?? a), ...(via === 'none' ? [] : ['--runbook', runbook]), ...(via === 'sandbox' ? ['--sandbox', '--state-dir', t.sb.dir] : [])]
      const env = {CI: 'true', ...(via === 'azure' ? exports : {}), ...c.env}
      const from = new Date().toISOString()
      const r = await runCli(args, {cwd, env, timeoutMs: 120_000})
      const to = new Date().toISOString()
      const said = `exit ${r.code}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`
      assert.equal(r.code, 2, said)
      assert.match(r.stderr, /^azfail: /m, said)
      assert.match(r.stderr, c.names, `the message names the flag or variable\n${said}`)
      assert.doesNotMatch(r.stderr, /This is a bug|\n\s+at /, said)
      assert.doesNotMatch(r.stderr, /[\u0000-\u0008\u000b-\u001f\u007f]/, 'no control character of the input reaches the terminal')
      if (c.hides) assert.ok(!r.stderr.includes(c.hides) && !r.stdout.includes(c.hides), `the message shows no part of the secret value\n${said}`)
      const meanwhile = t.sb.requests().filter((q) => q.time >= from && q.time <= to)
      assert.deepEqual(meanwhile.map((q) => `${q.method} ${q.path}`), [], 'nothing was read from or written to ARM while the case ran')
      assert.deepEqual(readdirSync(cwd), [], 'nothing was written locally: no journal, no state dir')
    })
  }
})
