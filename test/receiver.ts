// A webhook receiver on loopback for the notification tests: records every POST, and answers as told.
import {type IncomingMessage, type ServerResponse, createServer} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface Received {
  path: string
  contentType?: string
  body: any
  raw: string
}

export interface Receiver {
  /** the base URL, http://127.0.0.1:PORT */
  url: string
  received: Received[]
  /** the posts to one path, in order */
  at(path: string): Received[]
  close(): Promise<void>
}

/** `answer` decides each response (by default 200); one that never answers is a receiver that hangs. */
export async function startReceiver(answer: (req: IncomingMessage, res: ServerResponse, n: number) => void = (_q, res) => res.end('1')): Promise<Receiver> {
  const received: Received[] = []
  const server = createServer((req, res) => {
    let raw = ''
    req.on('data', (d) => (raw += d))
    req.on('end', () => {
      let body: unknown
      try {
        body = JSON.parse(raw)
      } catch {
        body = undefined
      }
      received.push({path: req.url ?? '', contentType: req.headers['content-type'], body, raw})
      answer(req, res, received.length)
    })
  })
  await new Promise<void>((resolve) => server.listen({host: '127.0.0.1', port: 0}, resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    at: (path) => received.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A loopback URL nothing listens on: a dead receiver. */
export async function deadUrl(): Promise<string> {
  const r = await startReceiver()
  await r.close()
  return `${r.url}/hook`
}
