// Whether a TCP connection opens (what `nc -vz host port` tells): connect, then close at once. Nothing is sent.
import net from 'node:net'

export async function tcpReachable(host: string, port: number, timeoutMs = 3000): Promise<{ok: true} | {ok: false; detail: string}> {
  return new Promise((resolve) => {
    const socket = net.connect({host, port})
    const done = (outcome: {ok: true} | {ok: false; detail: string}) => {
      socket.destroy()
      resolve(outcome)
    }
    socket.setTimeout(timeoutMs, () => done({ok: false, detail: `no answer within ${timeoutMs} ms`}))
    socket.once('connect', () => done({ok: true}))
    socket.once('error', (error: NodeJS.ErrnoException) => done({ok: false, detail: error.code ?? error.message}))
  })
}
