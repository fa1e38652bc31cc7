// Deadlines that judge another side's silence count this process's running time: a process starved or stopped past a
// deadline (a loaded machine, SIGSTOP) reads the answer that arrived meanwhile, instead of calling the other side hung.
import assert from 'node:assert/strict'
import {createServer, connect, type Socket} from 'node:net'
import {describe, it} from 'node:test'
import {createPipelineRequest, createHttpHeaders, type PipelineResponse} from '@azure/core-rest-pipeline'
import {RequestBounds} from '../../src/azure/bounded.ts'
import {runningClock} from '../../src/azure/running-time.ts'

/** Keeps the event loop busy (no timer, no I/O runs) for `ms`. */
function stall(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until);
}

describe('running time', () => {
  it('a stall counts as at most two ticks; time the process runs counts whole', async () => {
    const clock = runningClock(50)
    try {
      stall(1000)
      assert.ok(clock.elapsed() <= 100 + 1, `a 1 s stall counted ${clock.elapsed()} ms`)
      // Waiting (the event loop free) is running time: it advances while this process waits, however starved it is
      // (a loaded machine delays each tick, and a delay past two ticks is not counted), so it is awaited, not timed.
      const before = clock.elapsed()
      const until = Date.now() + 120_000
      while (clock.elapsed() - before < 300 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
      assert.ok(clock.elapsed() - before >= 300, 'waiting is running time')
    } finally {
      clock.stop()
    }
  })

  it("an ARM request whose answer came during a stall longer than its timeout is answered, not given up", async () => {
    // A server that answers at once; the answer waits in the socket while this process is busy past the timeout.
    const server = createServer((s) => s.end('answer'))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const {port} = server.address() as {port: number}
      const bounds = new RequestBounds({readMs: 1000, writeMs: 3000}, () => 'eus2')
      const request = createPipelineRequest({url: `https://127.0.0.1:${port}/subscriptions/s/resourceGroups/rg-eus2/providers/x`, method: 'GET'})
      // `next`: one read over a real socket, aborted by the request's signal as the SDK's HTTP client is
      const next = (req: typeof request) =>
        new Promise<PipelineResponse>((resolve, reject) => {
          const socket: Socket = connect(port, '127.0.0.1')
          socket.once('data', () => resolve({request: req, status: 200, headers: createHttpHeaders()}))
          socket.once('connect', () => stall(3000)) // sent; busy past the 1 s timeout while the answer arrives
          req.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), {name: 'AbortError'})))
        })
      const response = await bounds.attemptPolicy().sendRequest(request, next)
      assert.equal(response.status, 200)
    } finally {
      server.close()
    }
  })
})
