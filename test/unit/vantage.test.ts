// A region's vantage: the script azfail sends through a run command, run here by a real POSIX shell with a getent that
// prints glibc's format, and the strict reading of what comes back. Garbage, a cut answer, a replayed answer and
// contradictions never read as an answer.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {chmodSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {NAMES_PER_COMMAND, readResolutionOutput, resolutionScript} from '../../src/azure/vantage.ts'

/** Runs the script under sh with PATH holding only a getent that answers from `table` (name -> addresses), as glibc prints. */
function runLocally(script: string, table: Record<string, string[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'azfail-vantage-'))
  const lines = Object.entries(table).map(([name, ips]) => `  '${name}') printf '${ips.map((ip, i) => `%-15s STREAM ${i === 0 ? name : ''}\\n%-15s DGRAM  \\n%-15s RAW    \\n`).join('')}' ${ips.map((ip) => `${ip} ${ip} ${ip}`).join(' ')}; exit 0;;`)
  writeFileSync(join(dir, 'getent'), ['#!/bin/sh', '[ "$1" = ahostsv4 ] || exit 1', 'case "$2" in', ...lines, '  *) exit 2;;', 'esac', ''].join('\n'))
  chmodSync(join(dir, 'getent'), 0o755)
  return execFileSync('/bin/sh', ['-c', script], {env: {PATH: dir}, cwd: dir, encoding: 'utf8'})
}

const NONCE = '0123456789abcdef'
const names = ['kv-app-eus2.vault.azure.net', 'sql-app-eus2.database.windows.net', 'missing.example.net']
const table = {'kv-app-eus2.vault.azure.net': ['10.20.3.7'], 'sql-app-eus2.database.windows.net': ['10.20.2.4', '10.20.2.5']}

describe('vantage resolution script and its reading', () => {
  it("a real shell runs the script with only getent on PATH; each name's addresses and getent's exit are read back", () => {
    const output = runLocally(resolutionScript(names, NONCE), table)
    const reading = readResolutionOutput(output, names, NONCE)
    assert.ok('answers' in reading, JSON.stringify(reading))
    assert.deepEqual(reading.answers, [
      {addresses: ['10.20.3.7'], exit: 0},
      {addresses: ['10.20.2.4', '10.20.2.5'], exit: 0},
      {addresses: [], exit: 2},
    ])
  })

  it('a file-name pattern in an answer is not expanded by the shell', () => {
    const dir = mkdtempSync(join(tmpdir(), 'azfail-vantage-'))
    writeFileSync(join(dir, 'getent'), "#!/bin/sh\necho '*   STREAM x'\n")
    chmodSync(join(dir, 'getent'), 0o755)
    const cwd = mkdtempSync(join(tmpdir(), 'azfail-vantage-cwd-'))
    writeFileSync(join(cwd, '10.1.1.1'), '')
    const output = execFileSync('/bin/sh', ['-c', resolutionScript(['x.example.net'], NONCE)], {env: {PATH: dir}, cwd, encoding: 'utf8'})
    const reading = readResolutionOutput(output, ['x.example.net'], NONCE)
    assert.ok('malformed' in reading, `'*' must not become the file 10.1.1.1: ${output}`)
  })

  it("a full batch's answer fits in the 4,096 bytes Azure keeps of a run command's output", () => {
    const many = Array.from({length: NAMES_PER_COMMAND}, (_, i) => `name-${i}-${'x'.repeat(40)}.privatelink.vaultcore.azure.net`)
    const output = runLocally(resolutionScript(many, NONCE), Object.fromEntries(many.map((n, i) => [n, [`10.200.${i}.250`, `10.201.${i}.250`]])))
    assert.ok(Buffer.byteLength(output) < 4096, `${Buffer.byteLength(output)} bytes`)
    assert.ok('answers' in readResolutionOutput(output, many, NONCE))
  })

  const good = runLocally(resolutionScript(names, NONCE), table)
  const malformed: Array<[string, string, string]> = [
    ['random junk', 'x\u0000\u00ff garbage 10.20.3.7\nazfail\n', 'no begin line'],
    ['the same answer under another nonce (a replay)', good.replaceAll(NONCE, 'ffffffffffffffff'), 'no begin line'],
    ['an answer cut at the head, as Azure keeps only the last 4,096 bytes', good.slice(good.indexOf('\n') + 1), 'no begin line'],
    ['an answer cut at the tail', good.slice(0, good.lastIndexOf(`azfail ${NONCE} end`)), 'no end line'],
    ['a name answered twice', good.replace(`azfail ${NONCE} 1 `, `azfail ${NONCE} 0 `), 'twice'],
    ['a name missing', good.replace(/^azfail \S+ 2 .*\n/m, ''), 'lines for 3 names'],
    ['a name out of range', good.replace(`azfail ${NONCE} 2 2`, `azfail ${NONCE} 7 2`), 'no such name'],
    ['an address that is not IPv4', good.replace('10.20.3.7', '10.20.3.777'), 'not an IPv4 address'],
    ['a host name for an address', good.replace('10.20.3.7', 'evil.example.com'), 'not an IPv4 address'],
    ['an address beside a failed lookup', good.replace(`azfail ${NONCE} 2 2`, `azfail ${NONCE} 2 2 10.20.9.9`), 'exited 2 with 1 addresses'],
    ['a found lookup without an address', good.replace(/^(azfail \S+ 0 0).*$/m, '$1'), 'exited 0 with 0 addresses'],
    ['a line that does not parse', good.replace(`azfail ${NONCE} 0 0 `, `azfail ${NONCE} zero 0 `), 'does not read as an answer'],
    ['an empty output', '', 'no begin line'],
  ]
  for (const [what, output, why] of malformed) {
    it(`${what}: no name of the batch is answered`, () => {
      const reading = readResolutionOutput(output, names, NONCE)
      assert.ok('malformed' in reading, `read as ${JSON.stringify(reading)}`)
      assert.match(reading.malformed, new RegExp(why))
    })
  }

  it("lines that are not the answer's (an agent's banner, stderr mixed in) are passed over", () => {
    const reading = readResolutionOutput(`Enable succeeded:\n[stdout]\n${good}\n[stderr]\nwarning: something\n`, names, NONCE)
    assert.ok('answers' in reading)
  })
})
