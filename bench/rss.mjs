// Preloaded by the benchmark: writes the process's peak resident set size (KiB) when it exits.
import {writeFileSync} from 'node:fs'

process.on('exit', () => writeFileSync(process.env.AZFAIL_BENCH_RSS, String(process.resourceUsage().maxRSS)))
