// Time a process could run, for deadlines that judge someone else's silence. A deadline on the wall clock judges the
// process's own stalls as the other side's: a process starved on a loaded machine, or stopped (SIGSTOP, a laptop lid),
// comes back past its deadline and gives up on answers that arrived in time and wait unread in its sockets. This clock
// ticks while the process runs; a stall between two ticks counts as at most two ticks.

/** A running-time clock: `elapsed()` in ms since it started, stalls counted short; `stop()` ends its ticking. */
export interface RunningClock {
  elapsed(): number
  /** calls `fn` once, at the first tick at or past `ms` of running time */
  at(ms: number, fn: () => void): void
  stop(): void
}

export function runningClock(tickMs = 100): RunningClock {
  const cap = 2 * tickMs
  let credited = 0
  let last = performance.now()
  const due: Array<{ms: number; fn: () => void}> = []
  const elapsed = () => credited + Math.min(performance.now() - last, cap)
  const timer = setInterval(() => {
    const now = performance.now()
    credited += Math.min(now - last, cap)
    last = now
    for (const d of due.filter((x) => credited >= x.ms)) {
      due.splice(due.indexOf(d), 1)
      d.fn()
    }
  }, tickMs)
  timer.unref()
  return {
    elapsed,
    at: (ms, fn) => void due.push({ms, fn}),
    stop: () => clearInterval(timer),
  }
}
