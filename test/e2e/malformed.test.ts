// A corpus of malformed runbooks: `azfail lint <file> --json` answers each with exit 2 and one JSON object whose
// message names the file (and, where there is one, line and field), in bounded memory (300 MB), writing nothing.
// How fast each case answers is a speed target: `npm run bench` measures the worst inputs; here a hang guard only.
// Small cases are mutations of the demo runbook; huge, binary and endless inputs are made here, in a temp dir.
import assert from 'node:assert/strict'
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {closeSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {availableParallelism} from 'node:os'
import {basename, join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {after, before, describe, it} from 'node:test'
import {DEMO_RUNBOOK} from '../../src/runbook/load.ts'
import {ROOT, runCli, tempDir} from '../helpers.ts'

const demo = readFileSync(DEMO_RUNBOOK, 'utf8')
// Not a speed check (the bench measures that): a case that takes this long is a hang. The slowest case takes ~2 s on
// a 2-core machine loaded 8 deep; a hang never ends, so the guard can be generous.
const HANG_MS = 60_000
const MAX_RSS_KB = 300 * 1024

/** The demo runbook with each `from` replaced; a `from` the demo lacks is a broken case, not a passing one. */
function mutate(...edits: Array<[from: string, to: string]>): string {
  let text = demo
  for (const [from, to] of edits) {
    assert.ok(text.includes(from), `the demo runbook has no ${JSON.stringify(from)}`)
    text = text.replace(from, to)
  }
  return text
}

const insertAfter = (anchor: string, insert: string): [string, string] => [anchor, anchor + insert]
const lineOf = (text: string, marker: string) => {
  const index = text.indexOf(marker)
  assert.ok(index >= 0, `no ${JSON.stringify(marker)} in the case's text`)
  return text.slice(0, index).split('\n').length
}

interface Case {
  name: string
  /** the file's content, or a function that makes the input in `dir` and returns its path */
  input: string | Buffer | ((dir: string) => string)
  code?: string
  /** a problem's field, at the line of `at` in the text (or `line`) */
  field?: string
  at?: string
  line?: number
  message?: RegExp
}

const NAMES: Case[] = [
  ['resource group with a space', 'resourceGroup: rg-global', 'resourceGroup: rg global', 'estate.steering.trafficManager.resourceGroup'],
  ['resource group with a slash', 'resourceGroup: rg-global', 'resourceGroup: rg-global/../other', 'estate.steering.trafficManager.resourceGroup'],
  ['resource group ending in a period', 'resourceGroup: rg-data-eus2\n', 'resourceGroup: rg-data-eus2.\n', 'estate.data.cosmos.resourceGroup'],
  ['resource group of 91 characters', 'resourceGroup: rg-connectivity-dns\n', `resourceGroup: rg-${'x'.repeat(88)}\n`, 'estate.cname.resourceGroup'],
  ['resource group with ..', '{resourceGroup: rg-spoke-eus2, name: pe-kv-app-eus2}', '{resourceGroup: rg..spoke, name: pe-kv-app-eus2}', 'estate.regions.eus2.privateEndpoints.0.resourceGroup'],
  ['private endpoint with a newline', 'name: pe-kv-app-wus2}', 'name: "pe-kv-app-wus2\\nx"}', 'estate.regions.wus2.privateEndpoints.0.name'],
  ['private endpoint with a control character', 'name: pe-cosmos-wus2}', 'name: "pe-cosmos\\x01wus2"}', 'estate.regions.wus2.privateEndpoints.2.name'],
  ['private endpoint of one character', 'name: pe-sqlfog-eus2}', 'name: p}', 'estate.regions.eus2.privateEndpoints.1.name'],
  ['Traffic Manager profile with a slash', 'profile: tm-app', 'profile: tm/app', 'estate.steering.trafficManager.profile'],
  ['Traffic Manager endpoint with a space', 'eus2: ep-eus2', 'eus2: ep eus2', 'estate.steering.trafficManager.endpoints.eus2'],
  ['Front Door profile with an underscore', 'profile: fd-app', 'profile: fd_app', 'estate.steering.frontDoor.profile'],
  ['Front Door origin group of 51 characters', 'originGroup: og-app', `originGroup: og-${'a'.repeat(48)}`, 'estate.steering.frontDoor.originGroup'],
  ['Front Door origin ending in a hyphen', 'wus2: origin-wus2', 'wus2: origin-wus2-', 'estate.steering.frontDoor.origins.wus2'],
  ['PostgreSQL server in capitals', 'name: pg-app-eus2}', 'name: PG-app-eus2}', 'estate.data.postgres.servers.eus2.name'],
  ['PostgreSQL server of two characters', 'name: pg-app-wus2}', 'name: pg}', 'estate.data.postgres.servers.wus2.name'],
  ['SQL server starting with a hyphen', 'name: sql-app-eus2}', 'name: -sql-app-eus2}', 'estate.data.sqlFailoverGroup.servers.eus2.name'],
  ['SQL failover group with a period', 'name: app-fog', 'name: app.fog', 'estate.data.sqlFailoverGroup.name'],
  ['Cosmos DB account with an underscore', 'account: cosmos-app', 'account: cosmos_app', 'estate.data.cosmos.account'],
  ['Cosmos DB account of 45 characters', 'account: cosmos-app', `account: cosmos-${'a'.repeat(38)}`, 'estate.data.cosmos.account'],
  ['private DNS zone with an empty label', 'zone: private.postgres.database.azure.com', 'zone: private..postgres.database.azure.com', 'estate.cname.zone'],
  ['private DNS zone of one label', 'zone: private.postgres.database.azure.com', 'zone: postgres', 'estate.cname.zone'],
  ['CNAME record with a slash', '    name: prod', '    name: prod/../x', 'estate.cname.name'],
  ['expected name with a space', 'kv-app-eus2.vault.azure.net: 10.20.3.7', '"kv app.vault.azure.net": 10.20.3.7', 'estate.regions.eus2.expect.kv app.vault.azure.net'],
].map(([name, from, to, field]) => ({name: `bad name: ${name}`, input: mutate([from, to]), field, at: to.trim()}))

const ADDRESSES: Case[] = [
  ['octets over 255', '999.999.999.999'],
  ['port over 65535', '10.30.0.4:99999'],
  ['port without an address', ':53'],
  ['port 0', '10.30.0.4:0'],
  ['a host name', 'dns.example.com'],
  ['five octets', '10.30.0.4.5'],
].map(([name, address]) => {
  const text = mutate(['resolver: 10.30.0.4', `resolver: "${address}"`])
  return {name: `bad resolver: ${name}`, input: text, field: 'estate.regions.wus2.resolver', at: `resolver: "${address}"`}
})

const REGIONS: Case[] = [
  {
    name: 'undeclared region: crossRegion servedBy',
    input: mutate(insertAfter('      location: westus2\n', '      crossRegion:\n        - {name: kv-app-wus2.vault.azure.net, servedBy: weu, reason: one vault}\n')),
    field: 'estate.regions.wus2.crossRegion.0.servedBy',
    at: 'servedBy: weu',
    message: /'weu' is not declared/,
  },
  {
    name: 'undeclared region: on-premises forwarder',
    input: mutate(['  data:\n', '  onPremises:\n    forwarders:\n      - {site: frankfurt, region: eus2}\n      - {site: chicago, region: neu}\n  data:\n']),
    field: 'estate.onPremises.forwarders.1.region',
    at: 'region: neu',
    message: /'neu' is not declared/,
  },
  {name: 'undeclared region: Traffic Manager endpoint', input: mutate(['wus2: ep-wus2', 'weu: ep-weu']), field: 'estate.steering.trafficManager.endpoints.weu', at: 'weu: ep-weu'},
  {name: 'undeclared region: PostgreSQL server', input: mutate(['wus2: {resourceGroup: rg-data-wus2, name: pg-app-wus2}', 'weu: {resourceGroup: rg-data-wus2, name: pg-app-wus2}']), field: 'estate.data.postgres.servers.weu', at: 'weu: {'},
]

const SHAPES: Case[] = [
  {name: 'yaml: unclosed flow sequence', input: 'version: 1\nname: [unclosed\n', field: '(yaml)'},
  {name: 'yaml: tab indentation', input: mutate(['  connectionDrainSeconds: 3', '\tconnectionDrainSeconds: 3']), field: '(yaml)', at: '\tconnectionDrainSeconds'},
  {name: 'yaml: bad indentation', input: mutate(['      profile: tm-app', '     profile: tm-app']), field: '(yaml)', at: '     profile: tm-app'},
  {name: 'yaml: unterminated quote', input: mutate(['name: demo', 'name: "demo']), field: '(yaml)'},
  {name: 'yaml: undefined alias', input: mutate(['name: demo', 'name: *nowhere']), field: 'name', at: '*nowhere', message: /no anchor/},
  {name: 'yaml: two documents', input: demo + '---\nversion: 1\n', field: '(yaml)', message: /document/},
  {name: 'yaml: duplicate top-level key', input: mutate(insertAfter('name: demo\n', 'name: other\n')), field: 'name', at: 'name: other', message: /duplicate key/},
  {name: 'yaml: duplicate nested key', input: mutate(insertAfter('        eus2: ep-eus2\n', '        eus2: ep-eus3\n')), field: 'estate.steering.trafficManager.endpoints.eus2', at: 'eus2: ep-eus3', message: /duplicate key/},
  {name: 'yaml: a merge key under YAML 1.1', input: `%YAML 1.1\n---\n${mutate(['name: demo', '<<: 1\nname: demo'])}`, field: '(document)', message: /<</},
  {name: 'yaml: a list as a key', input: mutate(['name: demo', 'name: demo\n? [a, b]\n: c']), field: '(key)', at: '? [a, b]', message: /plain name/},
  {name: 'yaml: a scalar, not a mapping', input: 'just a sentence\n', field: '(document)', line: 1},
  {name: 'yaml: a list, not a mapping', input: '- version: 1\n- name: demo\n', field: '(document)', line: 1},
  {name: 'empty file', input: '', field: '(document)', line: 1, message: /empty/},
  {name: 'only comments', input: '# a runbook, some day\n\n', field: '(document)', line: 1, message: /empty/},
  {name: 'wrong type: version 2', input: mutate(['version: 1', 'version: 2']), field: 'version', at: 'version: 2'},
  {name: 'wrong type: version as a string', input: mutate(['version: 1', 'version: "1"']), field: 'version', at: 'version: "1"'},
  {name: 'wrong type: drain seconds in words', input: mutate(['connectionDrainSeconds: 3', 'connectionDrainSeconds: three']), field: 'estate.connectionDrainSeconds', at: 'three'},
  {name: 'wrong type: negative drain seconds', input: mutate(['connectionDrainSeconds: 3', 'connectionDrainSeconds: -1']), field: 'estate.connectionDrainSeconds', at: '-1'},
  {name: 'wrong type: fractional drain seconds', input: mutate(['connectionDrainSeconds: 3', 'connectionDrainSeconds: 1.5']), field: 'estate.connectionDrainSeconds', at: '1.5'},
  {name: 'wrong type: ssl maybe', input: mutate(['ssl: true,', 'ssl: maybe,']), field: 'estate.data.postgres.writeCheck.ssl', at: 'ssl: maybe'},
  {name: 'wrong type: rto in words', input: mutate(['rto: 5m', 'rto: five minutes']), field: 'rto', at: 'rto: five'},
  {name: 'wrong type: subscription not a uuid', input: mutate(['subscription: 5a4dbf5e-0c1d-4a8e-9e51-7d0c2a3f9b11', 'subscription: my-sub']), field: 'estate.subscription', at: 'my-sub'},
  {name: 'wrong type: private IP out of range', input: mutate(['10.30.3.7', '10.30.3.700']), field: 'estate.regions.wus2.expect.kv-app-wus2.vault.azure.net', at: '10.30.3.700'},
  {name: 'wrong type: endpoint type unknown', input: mutate(insertAfter('      profile: tm-app\n', '      endpointType: SomeEndpoints\n')), field: 'estate.steering.trafficManager.endpointType', at: 'SomeEndpoints'},
  {name: 'wrong type: unknown step kind', input: demo + 'actions:\n  drain:\n    - drainEverything\n', field: 'actions.drain.0', at: 'drainEverything'},
  {name: 'wrong type: region key in capitals', input: mutate(['wus2: origin-wus2', 'WUS2: origin-wus2']), field: 'estate.steering.frontDoor.origins.WUS2', at: 'WUS2'},
  {name: 'unknown key at the top', input: mutate(['rto: 5m', 'rto: 5m\ncolour: blue']), field: '(document)', message: /colour/},
  {name: 'unknown key: a typo in estate', input: mutate(['connectionDrainSeconds: 3', 'connectionDrainSecs: 3']), field: 'estate', message: /connectionDrainSecs/},
  {name: 'unknown key: in a region', input: mutate(['resolver: 10.30.0.4', 'resolvr: 10.30.0.4']), field: 'estate.regions.wus2', message: /resolvr/},
  {name: 'unknown key: in a resource reference', input: mutate(['{resourceGroup: rg-spoke-wus2, name: pe-kv-app-wus2}', '{resourceGroup: rg-spoke-wus2, name: pe-kv-app-wus2, ip: x}']), field: 'estate.regions.wus2.privateEndpoints.0', message: /"ip"/},
  {name: 'unknown keys: five thousand of them', input: mutate(['rto: 5m', 'rto: 5m\n' + Array.from({length: 5000}, (_, i) => `extra${i}: ${i}`).join('\n')]), field: '(document)', message: /extra0/},
  {name: 'missing: version', input: mutate(['version: 1\n', '']), field: 'version', message: /required/},
  {name: 'missing: name', input: mutate(['name: demo\n', '']), field: 'name', message: /required/},
  {name: 'missing: Traffic Manager profile', input: mutate(['      profile: tm-app\n', '']), field: 'estate.steering.trafficManager.profile', message: /required/},
  {name: 'missing: a region location', input: mutate(['      location: westus2\n', '']), field: 'estate.regions.wus2.location', message: /required/},
  {name: 'missing: the estate', input: 'version: 1\nname: x\n', field: 'estate', line: 1, message: /required/},
]

/** The classic "billion laughs": nine levels of nine aliases, 10^9 strings once expanded. */
const laughs = (() => {
  let text = 'lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n'
  for (let i = 1; i <= 9; i++) text += `lol${i}: &lol${i} [${Array(9).fill(`*lol${i - 1}`).join(', ')}]\n`
  return text
})()

const BOUNDS: Case[] = [
  {name: 'alias bomb: billion laughs', input: laughs, field: 'lol4.0', at: 'lol4:', message: /aliases expand/},
  {name: 'alias bomb: inside a runbook', input: demo + laughs.replace(/^lol/gm, '  lol').replace(/^/, 'x-bomb:\n'), message: /aliases expand/},
  {
    name: 'alias bomb: one big anchor aliased 90 times',
    input: `version: 1\nbig: &big {${Array.from({length: 2000}, (_, i) => `k${i}: ${i}`).join(', ')}}\nuses: [${Array(90).fill('*big').join(', ')}]\n`,
    field: 'uses.2',
    line: 3,
    message: /aliases expand/,
  },
  {name: 'alias inside the node it names', input: mutate(['name: demo', 'name: &me [*me]']), field: 'name.0', message: /refer to itself/},
  {name: 'deep nesting: flow sequences', input: `version: 1\nname: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, field: '(yaml)', line: 2, message: /nested more than/},
  {name: 'deep nesting: block sequences', input: `version: 1\nname:\n${'- '.repeat(50_000)}x\n`, field: '(yaml)', line: 3, message: /nested more than/},
  {name: 'deep nesting: indentation', input: 'version: 1\nname:\n' + Array.from({length: 1000}, (_, i) => `${' '.repeat(i + 1)}k:\n`).join(''), field: '(yaml)', message: /nested more than/},
  {name: 'deep nesting: flow mappings', input: `version: 1\nname: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`, field: '(yaml)', line: 2, message: /nested more than/},
  {name: 'just under 1 MiB of short keys', input: 'version: 1\nx:\n' + Array.from({length: 85_000}, (_, i) => `  k${i}: 1`).join('\n').slice(0, 1_000_000) + '\n', field: '(yaml)', message: /YAML tokens/},
  {name: 'over 1 MiB: the demo padded with a comment', input: demo + `# ${'x'.repeat(1024 * 1024)}\n`, code: 'RunbookTooLarge'},
  {name: 'over 1 MiB: 10 MB with 400k keys', input: 'version: 1\nx:\n' + Array.from({length: 400_000}, (_, i) => `  key-number-${i}: value-${i}`).join('\n'), code: 'RunbookTooLarge'},
  {name: 'binary: a NUL byte in the demo', input: mutate(['  cname:\n', '  cname:\0\n']), code: 'RunbookNotText', field: '(file)', at: '  cname:', message: /NUL/},
  {name: 'binary: invalid UTF-8 in the demo', input: Buffer.concat([Buffer.from(mutate(['name: demo', 'name: de'])), Buffer.from([0xff, 0xfe, 0x0a])]), code: 'RunbookNotText', field: '(file)', line: demo.split('\n').length, message: /UTF-8/},
  {name: 'binary: the demo in UTF-16', input: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(demo, 'utf16le')]), code: 'RunbookNotText', field: '(file)', line: 1},
  {name: 'binary: every byte value', input: Buffer.from(Array.from({length: 4096}, (_, i) => i % 256)), code: 'RunbookNotText', field: '(file)', line: 1},
  {name: 'binary: the node executable', input: () => process.execPath, code: 'RunbookTooLarge'},
  {name: 'not a file: a directory', input: (dir) => (mkdirSync(join(dir, 'runbooks.d')), join(dir, 'runbooks.d')), code: 'RunbookNotAFile'},
  {name: 'not a file: /dev/zero', input: () => '/dev/zero', code: 'RunbookTooLarge'},
  {name: 'not a file: /dev/null', input: () => '/dev/null', code: 'RunbookNotAFile'},
  {name: 'not a file: a missing path', input: (dir) => join(dir, 'nowhere.yaml'), code: 'RunbookNotFound'},
]

describe('malformed runbooks', {concurrency: Math.min(4, availableParallelism())}, () => {
  let corpus: string
  const held: number[] = []
  const writers: ChildProcess[] = []

  /** A FIFO this process holds open for writing, so a reader sees no end of file. */
  const fifo = (name: string) => {
    const path = join(corpus, name)
    assert.equal(spawnSync('mkfifo', [path]).status, 0, 'mkfifo')
    const fd = openSync(path, 'r+')
    held.push(fd)
    return {path, fd}
  }

  const FIFOS: Case[] = [
    {name: 'not a file: a FIFO that never ends', input: () => {
      const {path, fd} = fifo('endless.yaml')
      writers.push(spawn('yes', ['key: value'], {stdio: ['ignore', fd, 'ignore']}))
      return path
    }, code: 'RunbookTooLarge'},
    {name: 'not a file: a FIFO whose writer never writes', input: () => fifo('silent.yaml').path, code: 'RunbookNotAFile'},
  ]

  before(() => (corpus = tempDir('azfail-malformed-')))
  after(() => {
    for (const w of writers) w.kill()
    for (const fd of held) closeSync(fd)
  })

  const cases = [...SHAPES, ...NAMES, ...ADDRESSES, ...REGIONS, ...BOUNDS, ...FIFOS]
  it('has at least 60 cases', () => assert.ok(cases.length >= 60, String(cases.length)))

  for (const c of cases) {
    it(c.name, async (t) => {
      const file = typeof c.input === 'function' ? c.input(corpus) : join(corpus, `${c.name.replace(/\W+/g, '-')}.yaml`)
      if (typeof c.input !== 'function') writeFileSync(file, c.input)
      const cwd = tempDir('azfail-cwd-')
      const home = tempDir('azfail-home-')
      const rssFile = join(corpus, `${basename(cwd)}.rss`)
      // Peak memory of the CLI process itself: bench/rss.mjs, preloaded, writes process.resourceUsage().maxRSS (KiB)
      // when it exits. Works wherever node does, unlike /usr/bin/time; a run killed at the time limit writes none.
      const env = {
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(join(ROOT, 'bench', 'rss.mjs')).href}`,
        AZFAIL_BENCH_RSS: rssFile,
        HOME: home,
        XDG_CONFIG_HOME: join(home, '.config'),
        XDG_CACHE_HOME: join(home, '.cache'),
        XDG_DATA_HOME: join(home, '.local', 'share'),
      }
      const started = performance.now()
      const r = await runCli(['lint', file, '--json'], {cwd, env, timeoutMs: HANG_MS})
      const ms = performance.now() - started

      let out: any
      assert.doesNotThrow(() => (out = JSON.parse(r.stdout)), `stdout is one JSON object (exit ${r.code}): ${r.stdout.slice(0, 300)} ${r.stderr.slice(0, 300)}`)
      assert.notEqual(out.error?.code, 'InternalError', out.error?.message)
      assert.equal(r.code, 2, JSON.stringify(out).slice(0, 500))
      assert.equal(out.error.code, c.code ?? 'InvalidRunbook', String(out.error.message).slice(0, 500))
      const message: string = out.error.message
      assert.ok(message.includes(basename(file)), `the message names ${basename(file)}: ${message.slice(0, 300)}`)
      if (c.field !== undefined) {
        const text = typeof c.input === 'string' ? c.input : undefined
        const line = c.line ?? (c.at && text !== undefined ? lineOf(text, c.at) : undefined)
        const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        const where = new RegExp(`${escape(basename(file))}:${line ?? '\\d+'}:\\d+ ${escape(c.field)}: [^\\n]*${c.message?.source ?? ''}`)
        assert.match(message, where)
      } else if (c.message) {
        assert.match(message, c.message)
      }
      assert.ok(message.length < 5000, `a short message (${message.length} characters)`)
      const rssKb = Number(readFileSync(rssFile, 'utf8'))
      t.diagnostic(`${Math.round(ms)} ms, ${Math.round(rssKb / 1024)} MB`)
      assert.ok(rssKb > 0 && rssKb < MAX_RSS_KB, `peak RSS ${Math.round(rssKb / 1024)} MB`)
      assert.deepEqual([readdirSync(cwd), readdirSync(home)], [[], []], 'nothing written')
    })
  }
})
