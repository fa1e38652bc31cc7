// npm run bench: speed targets, measured as medians over several runs on this machine, with peak memory.
// Targets come from the issues; the figures are printed, never asserted in tests.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const ROOT = join(import.meta.dirname, '..')
const BIN = join(ROOT, 'bin', 'run.js')
const RUNS = Number(process.env.BENCH_RUNS ?? 7)

interface Measure {
  name: string
  target: string
  medianMs: number
  minMs: number
  maxMs: number
  peakRssMb: number
}

/** Runs `node bin/run.js ...args` RUNS times; wall time per run, and the peak RSS the process reported at exit. */
function measure(name: string, target: string, args: string[], cwd: string): Measure {
  const times: number[] = []
  const rss: number[] = []
  const rssFile = join(cwd, 'rss.txt')
  for (let i = 0; i < RUNS + 1; i++) {
    const started = process.hrtime.bigint()
    const r = spawnSync(process.execPath, [BIN, ...args], {cwd, encoding: 'utf8', env: {...process.env, CI: 'true'}})
    const ms = Number(process.hrtime.bigint() - started) / 1e6
    if (r.status !== 0) throw new Error(`${name}: exit ${r.status}\n${r.stderr}`)
    if (i > 0) times.push(ms) // the first run warms the file cache and the sandbox's certificate
    // Peak memory in a separate run, measured inside the process so the timing runs carry no probe.
    if (i === 1) {
      const p = spawnSync(process.execPath, ['--import', join(ROOT, 'bench', 'rss.mjs'), BIN, ...args], {cwd, env: {...process.env, CI: 'true', AZFAIL_BENCH_RSS: rssFile}})
      if (p.status !== 0) throw new Error(`${name}: exit ${p.status} under the memory probe`)
      rss.push(Number(readFileSync(rssFile, 'utf8')))
    }
  }
  times.sort((a, b) => a - b)
  return {name, target, medianMs: times[Math.floor(times.length / 2)], minMs: times[0], maxMs: times.at(-1)!, peakRssMb: Math.max(...rss) / 1024}
}

const work = mkdtempSync(join(tmpdir(), 'azfail-bench-'))
try {
  const results = [
    measure('azfail --help (cold start)', '<= 250 ms', ['--help'], work),
    measure('azfail status --sandbox', '<= 1000 ms', ['status', '--sandbox', '--state-dir', join(work, 'sbx')], work),
  ]
  const pad = (s: string, n: number) => s.padEnd(n)
  console.log(`azfail bench: ${RUNS} runs each, node ${process.version}, ${process.arch}`)
  console.log(`${pad('measure', 30)} ${pad('median', 10)} ${pad('min..max', 16)} ${pad('peak RSS', 10)} target`)
  for (const r of results) {
    console.log(`${pad(r.name, 30)} ${pad(`${r.medianMs.toFixed(0)} ms`, 10)} ${pad(`${r.minMs.toFixed(0)}..${r.maxMs.toFixed(0)} ms`, 16)} ${pad(`${r.peakRssMb.toFixed(0)} MB`, 10)} ${r.target}`)
  }
  if (process.env.BENCH_JSON) console.log(JSON.stringify(results))
} finally {
  rmSync(work, {recursive: true, force: true})
}
