// Runs a command where a hosted CI runner stands: inside a network namespace of its own (only loopback up), with one
// way out, the sandbox's ARM port, relayed through a Unix socket to the sandbox in the test's namespace. The sandbox's
// resolvers, on other loopback addresses of that namespace, cannot be reached from here: a query to one is refused.
//   node arm-only.ts <arm port> <unix socket> <command> [args...]   (run under `unshare -n`, after `ip link set lo up`)
import {spawn} from 'node:child_process'
import {connect, createServer} from 'node:net'

const [port, socket, command, ...args] = process.argv.slice(2)
const relay = createServer((inbound) => {
  const outbound = connect(socket)
  inbound.pipe(outbound).pipe(inbound)
  const close = () => (inbound.destroy(), outbound.destroy())
  inbound.on('error', close)
  outbound.on('error', close)
})
relay.listen(Number(port), '127.0.0.1', () => {
  const child = spawn(command, args, {stdio: 'inherit'})
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)))
})
