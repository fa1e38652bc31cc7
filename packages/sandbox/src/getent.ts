// The `getent` a vantage's command finds on its PATH: `getent ahostsv4 NAME...` and `getent hosts NAME...` in glibc's
// output formats, answered by a stub resolver that asks the vantage's region resolver (AZFAIL_SANDBOX_RESOLVER,
// "address:port") over UDP, follows CNAMEs, and gives up after glibc's default timeout and attempts (5 s, 2). Exit
// codes are getent's: 0 found, 1 bad usage, 2 a key not found. The program is written to a file at the sandbox's
// start; it uses only dynamic import(), so Node runs it the same as CommonJS or as an ES module.

/** Where the stub asks, in the command's environment. */
export const RESOLVER_ENV = 'AZFAIL_SANDBOX_RESOLVER'

/** The program's text, for a file whose shebang is this Node; dns-packet is imported from where the sandbox has it. */
export function getentProgram(nodePath: string, dnsPacketUrl: string): string {
  return `#!${nodePath}
// azfail sandbox getent: written by the sandbox at its start; see packages/sandbox/src/getent.ts.
const TIMEOUT_MS = 5000
const ATTEMPTS = 2
const MAX_HOPS = 8
const main = async () => {
  const dgram = await import('node:dgram')
  const mod = await import(${JSON.stringify(dnsPacketUrl)})
  const packet = mod.default ?? mod
  const [database, ...names] = process.argv.slice(2)
  if (database !== 'ahostsv4' && database !== 'hosts') {
    process.stderr.write(database ? 'Unknown database: ' + database + '\\n' : 'Usage: getent [OPTION...] database [key ...]\\n')
    return 1
  }
  if (names.length === 0) {
    process.stderr.write('Enumeration not supported on ' + database + '\\n')
    return 1
  }
  const [host, port] = (process.env.${RESOLVER_ENV} ?? '').split(':')

  /** One A query over UDP, asked again after a silent timeout; undefined when no answer came. */
  const ask = async (name) => {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const id = Math.floor(Math.random() * 65536)
      const socket = dgram.createSocket('udp4')
      const answer = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(undefined), TIMEOUT_MS)
        socket.on('message', (msg) => {
          let decoded
          try {
            decoded = packet.decode(msg)
          } catch {
            return
          }
          if (decoded.id !== id) return
          clearTimeout(timer)
          resolve(decoded)
        })
        socket.on('error', () => {})
        socket.send(packet.encode({type: 'query', id, flags: packet.RECURSION_DESIRED, questions: [{type: 'A', class: 'IN', name}]}), Number(port), host)
      })
      socket.close()
      if (answer) return answer
    }
    return undefined
  }

  /** The name's addresses, its canonical name and the aliases that led there, as glibc's stub resolver finds them. */
  const lookup = async (name) => {
    if (/^\\d{1,3}(\\.\\d{1,3}){3}$/.test(name)) return {addresses: [name], canonical: name, aliases: []}
    const aliases = []
    let current = name.toLowerCase().replace(/\\.$/, '')
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const answer = await ask(current)
      if (!answer || answer.rcode !== 'NOERROR') return undefined
      const records = answer.answers ?? []
      const cname = (owner) => records.find((r) => r.type === 'CNAME' && r.name.toLowerCase() === owner)
      const followed = aliases.length
      for (let link = cname(current); link; link = cname(current)) {
        aliases.push(current)
        current = String(link.data).toLowerCase().replace(/\\.$/, '')
      }
      const addresses = records.filter((r) => r.type === 'A' && r.name.toLowerCase() === current).map((r) => r.data)
      if (addresses.length > 0) return {addresses, canonical: current, aliases}
      // the chain's end had no address in this answer: a stub asks for it again by its own name
      if (aliases.length === followed) return undefined
    }
    return undefined
  }

  let status = 0
  for (const name of names) {
    const found = await lookup(name)
    if (!found) {
      status = 2
      continue
    }
    const lines = []
    for (const address of found.addresses) {
      const at = address.padEnd(15)
      if (database === 'hosts') lines.push(at + ' ' + [found.canonical, ...found.aliases].join(' '))
      else lines.push(at + ' STREAM ' + (lines.length === 0 ? found.canonical : ''), at + ' DGRAM  ', at + ' RAW    ')
    }
    process.stdout.write(lines.join('\\n') + '\\n')
  }
  return status
}
main().then((code) => process.exit(code), (error) => {
  process.stderr.write(String(error && error.stack || error) + '\\n')
  process.exit(2)
})
`
}
