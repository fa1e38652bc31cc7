// The sandbox's TLS identity: a self-signed certificate for 127.0.0.1/localhost, made once per state dir and reused,
// so clients can pin it through the SDK's `tlsOptions.ca`.
import {X509Certificate} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

export interface TlsIdentity {
  certPath: string
  cert: string
  key: string
}

const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000

export async function ensureTlsIdentity(stateDir: string): Promise<TlsIdentity> {
  const dir = join(stateDir, 'tls')
  const certPath = join(dir, 'ca.pem')
  const keyPath = join(dir, 'key.pem')
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, 'utf8')
    if (Date.parse(new X509Certificate(cert).validTo) - Date.now() > RENEW_BEFORE_MS) {
      return {certPath, cert, key: readFileSync(keyPath, 'utf8')}
    }
  }
  const {generate} = await import('selfsigned')
  const notAfterDate = new Date(Date.now() + 365 * 24 * 3600 * 1000)
  // Valid from a day ago, as Azure's certificates are long before anyone connects: a client whose clock is behind
  // (the skewed-operator tests) still trusts it.
  const notBeforeDate = new Date(Date.now() - 24 * 3600 * 1000)
  const pems = await generate([{name: 'commonName', value: 'azfail sandbox'}], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      {name: 'basicConstraints', cA: true, critical: true},
      {name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true},
      {name: 'extKeyUsage', serverAuth: true},
      {name: 'subjectAltName', altNames: [{type: 2, value: 'localhost'}, {type: 7, ip: '127.0.0.1'}]},
    ],
  } as any)
  mkdirSync(dir, {recursive: true})
  writeFileSync(keyPath, pems.private, {mode: 0o600})
  writeFileSync(certPath, pems.cert)
  return {certPath, cert: pems.cert, key: pems.private}
}
