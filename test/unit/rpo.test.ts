// How a promotion's RPO is worded, and AZFAIL_CONNECT read strictly: pure functions, no servers.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {lsnBytes} from '../../src/azure/rpo.ts'
import {azureTarget, connectOverrides} from '../../src/azure/target.ts'
import {InputError} from '../../src/errors.ts'
import {describeRpo} from '../../src/steps/rpo.ts'

describe('RPO wording', () => {
  it('reads an LSN as PostgreSQL prints it, high/low 32 bits in hex', () => {
    assert.equal(lsnBytes('0/3000000'), 0x3000000n)
    assert.equal(lsnBytes('16/B374D848') - lsnBytes('16/B374D000'), 0x848n)
    assert.equal(lsnBytes('1/0') - lsnBytes('0/FFFFFFFF'), 1n)
  })

  it('a planned promotion speaks of azfail\'s marker rows, not of rows of the application', () => {
    assert.equal(describeRpo({measured: true, before: 3, after: 3, lost: 0, via: 'prod.example'}), "RPO: 0 of azfail's 3 marker rows lost (3 of those written through prod.example before the promotion are on the new primary)")
  })

  it('with the old primary unread, says the RPO was not measured from it and gives the replica\'s position, no number lost', () => {
    const text = describeRpo({measured: false, reason: 'the old primary took no marker row', wal: {measured: false, reason: 'the old primary could not be read (timeout)', replica: 'pg-b', receivedLsn: '0/5000060', replayedLsn: '0/5000060', replayedAt: '2026-12-06T03:00:00.000Z'}})
    assert.equal(text, "RPO not measured from the primary: the old primary could not be read (timeout); pg-b had received WAL up to 0/5000060 and replayed up to 0/5000060, its last replayed transaction committed at 2026-12-06T03:00:00.000Z; azfail's marker rows not counted: the old primary took no marker row")
    assert.doesNotMatch(text, /\b0 bytes|\blost\b/)
  })

  it('with the replica itself unread, claims no position of it', () => {
    assert.equal(describeRpo({measured: false, reason: 'no server', wal: {measured: false, reason: "pg-b's position was not read: no server", replica: 'pg-b'}}), "RPO not measured from the servers: pg-b's position was not read: no server; azfail's marker rows not counted: no server")
  })
})

describe('AZFAIL_CONNECT', () => {
  it('maps ip:port to host:port', () => {
    assert.deepEqual([...connectOverrides('10.20.2.4:1433=127.0.13.1:40001, 127.0.20.1:5432=127.0.20.1:35000')], [['10.20.2.4:1433', {host: '127.0.13.1', port: 40001}], ['127.0.20.1:5432', {host: '127.0.20.1', port: 35000}]])
  })

  for (const entry of ['999.0.0.1:1433=127.0.0.1:11433', '10.0.0.1:1433=127.0.0.256:1', '10.0.0.1:0=127.0.0.1:1', '10.0.0.1:1433=127.0.0.1:70000', '10.0.0:1433=127.0.0.1:1']) {
    it(`refuses '${entry}' as bad input, naming it`, () => {
      assert.throws(() => connectOverrides(`10.20.2.4:1433=127.0.13.1:40001,${entry}`), (e: any) => e instanceof InputError && e.message.includes(`'${entry}'`))
    })
  }

  it('in a rehearsal (ARM on loopback), refuses an address it does not map to loopback instead of connecting', async () => {
    const env = {AZURE_SUBSCRIPTION_ID: 's', AZFAIL_ARM_ENDPOINT: 'https://127.0.0.1:8443', AZURE_AUTHORITY_HOST: 'https://127.0.0.1:8443', AZURE_TOKEN_CREDENTIALS: 'WorkloadIdentityCredential', AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'c', AZURE_FEDERATED_TOKEN_FILE: '/dev/null', AZFAIL_CONNECT: '10.20.2.4:1433=127.0.13.1:40001,10.30.2.4:1433=10.1.1.1:1433'}
    const target = await azureTarget({}, env)
    assert.deepEqual(target.tcp.endpoint('10.20.2.4', 1433, 'sql-a'), {host: '127.0.13.1', port: 40001})
    assert.match((target.tcp.endpoint('10.30.2.4', 1433, 'sql-b') as any).refused, /maps 10\.30\.2\.4:1433 to 10\.1\.1\.1:1433, which is not on loopback/)
    assert.match((target.database.endpoint('10.20.5.4', 5432) as any).refused, /azfail will not connect to 10\.20\.5\.4:5432: this is a rehearsal \(the ARM endpoint https:\/\/127\.0\.0\.1:8443 is on loopback\), and AZFAIL_CONNECT maps nothing for 10\.20\.5\.4:5432/)
    const production = await azureTarget({}, {...env, AZFAIL_ARM_ENDPOINT: 'https://management.example', AZURE_AUTHORITY_HOST: 'https://login.example'})
    assert.deepEqual(production.database.endpoint('10.20.5.4', 5432), {host: '10.20.5.4', port: 5432, tls: true})
  })
})
