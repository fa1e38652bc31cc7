// One loopback TCP listener per SQL server, standing in for its private endpoint's port 1433: it accepts a
// connection and closes it, which is all a reachability check (`nc -vz <listener> 1433`) needs. The servers' private
// A records keep their 10.x addresses (data, never a place to connect); connection.json's `sql` map (server ->
// loopback ip:port) tells a client where each server's listener is.
import net from 'node:net'

export interface SqlListener {
  server: string
  address: string
  port: number
  close(): Promise<void>
}

/** The loopback address of the i-th SQL server's listener. */
export const sqlLoopback = (i: number) => `127.0.13.${i + 1}`

export async function startSqlListeners(servers: string[]): Promise<SqlListener[]> {
  const started: SqlListener[] = []
  try {
    for (const [i, server] of servers.entries()) {
      const address = sqlLoopback(i)
      const tcp = net.createServer((socket) => socket.end())
      const sockets = new Set<net.Socket>()
      tcp.on('connection', (s) => {
        sockets.add(s)
        s.on('close', () => sockets.delete(s))
        s.on('error', () => {})
      })
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject)
        tcp.listen({host: address, port: 0}, () => resolve())
      })
      const {port} = tcp.address() as net.AddressInfo
      started.push({
        server,
        address,
        port,
        close: () =>
          new Promise<void>((resolve) => {
            tcp.close(() => resolve())
            for (const s of sockets) s.destroy()
          }),
      })
    }
    return started
  } catch (error) {
    await Promise.all(started.map((l) => l.close()))
    throw error
  }
}
