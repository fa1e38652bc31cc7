// azfail lint: the file, and the topology in live state (TTLs, undeclared Pattern-B dependencies, forwarders).
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {type E2E, e2e} from './support.ts'

describe('lint', () => {
  let t: E2E
  before(async () => (t = await e2e()))
  after(() => t.stop())

  it('passes the demo estate, file only and live', async () => {
    const file = await t.azfail(['lint'], {runbook: null})
    assert.equal(file.code, 0, file.stderr)
    const live = await t.json(['lint', t.runbook])
    assert.equal(live.code, 0, JSON.stringify(live.out))
    assert.deepEqual([live.out.result.live, live.out.result.findings], [true, []])
  })

  it('exits 2 naming file, line and field for an invalid file', async () => {
    const bad = join(t.work, 'bad.yaml')
    writeFileSync(bad, 'version: 1\nname: x\nestate:\n  regions: {}\n')
    const r = await t.json(['lint', bad])
    assert.equal(r.code, 2)
    assert.match(r.out.error.message, /bad\.yaml:4:3 estate\.steering: is required but missing/)
  })

  it('flags a steering TTL raised to 300 s, and a CNAME TTL of an hour', async () => {
    const tm = await t.sb.clients.trafficManager()
    await tm.profiles.update('rg-global', 'tm-app', {dnsConfig: {ttl: 300}})
    const dns = await t.sb.clients.privateDns()
    await dns.recordSets.update('rg-connectivity-dns', 'private.postgres.database.azure.com', 'CNAME', 'prod', {ttl: 3600})
    const {code, out} = await t.json(['lint', t.runbook])
    assert.equal(code, 4)
    assert.equal(out.status, 'not-ready')
    const rules = out.result.findings.map((f: any) => [f.rule, f.severity, f.observed])
    assert.deepEqual(rules, [
      ['steering-ttl', 'error', 'Traffic Manager tm-app TTL is 300s'],
      ['cname-ttl', 'error', 'CNAME prod.private.postgres.database.azure.com TTL is 3600s'],
    ])
    assert.ok(out.result.findings.every((f: any) => f.remedy && f.expected))
    await tm.profiles.update('rg-global', 'tm-app', {dnsConfig: {ttl: 1}})
    await dns.recordSets.update('rg-connectivity-dns', 'private.postgres.database.azure.com', 'CNAME', 'prod', {ttl: 1})
  })

  it('flags a region resolving a dependency through the other region\'s endpoint, unless declared', async () => {
    const dns = await t.sb.clients.privateDns()
    await dns.recordSets.update('rg-connectivity-dns', 'privatelink.vaultcore.azure.net', 'A', 'kv-app-wus2', {aRecords: [{ipv4Address: '10.20.3.7'}]})
    const {code, out} = await t.json(['lint', t.runbook])
    assert.equal(code, 4)
    const finding = out.result.findings.find((f: any) => f.rule === 'cross-region-dependency')
    assert.equal(finding.region, 'wus2')
    assert.match(finding.observed, /wus2 resolves kv-app-wus2\.vault\.azure\.net to 10\.20\.3\.7, eus2's endpoint pe-kv-app-eus2/)

    const declared = join(t.work, 'declared.yaml')
    const {readFileSync} = await import('node:fs')
    writeFileSync(declared, readFileSync(t.runbook, 'utf8').replace('      privateEndpoints:\n        - {resourceGroup: rg-spoke-wus2, name: pe-kv-app-wus2}', '      crossRegion:\n        - {name: kv-app-wus2.vault.azure.net, servedBy: eus2, reason: single HSM-backed vault, costOwner: payments}\n      privateEndpoints:\n        - {resourceGroup: rg-spoke-wus2, name: pe-kv-app-wus2}'))
    const ok = await t.json(['lint', declared])
    assert.equal(ok.out.result.findings.filter((f: any) => f.rule === 'cross-region-dependency').length, 0, JSON.stringify(ok.out))
    await dns.recordSets.update('rg-connectivity-dns', 'privatelink.vaultcore.azure.net', 'A', 'kv-app-wus2', {aRecords: [{ipv4Address: '10.30.3.7'}]})
  })

  it('warns when every on-premises forwarder targets one region', async () => {
    const file = join(t.work, 'forwarders.yaml')
    const {readFileSync} = await import('node:fs')
    writeFileSync(file, readFileSync(t.runbook, 'utf8').replace('  stateZone', '  stateZone').replace('  data:\n', '  onPremises:\n    forwarders:\n      - {site: frankfurt, region: eus2}\n      - {site: chicago, region: eus2}\n  data:\n'))
    const {code, out} = await t.json(['lint', file])
    assert.equal(code, 0, 'a warning does not fail lint')
    assert.match(out.warnings[0], /forwarders-one-region: all 2 on-premises forwarders \(frankfurt, chicago\) target eus2/)
  })
})

describe('scale', () => {
  it("a drain dry run reads none of the drained region's endpoints: its ARM requests do not grow with them (the zones' lists hold their records)", async () => {
    const {generatedEstate} = await import('#sandbox')
    const {startTestSandbox, tempDir, runCli} = await import('../helpers.ts')
    const counts: number[] = []
    for (const endpoints of [4, 8]) {
      const dir = tempDir()
      const {world, runbook} = generatedEstate(3, endpoints, 1)
      writeFileSync(join(dir, 'state.json'), JSON.stringify(world))
      writeFileSync(join(dir, 'runbook.yaml'), runbook)
      const sb = await startTestSandbox(dir, {publish: true})
      try {
        const r = await runCli(['drain', 'r01', '--dry-run', '--json', '--sandbox', '--state-dir', dir, '--runbook', join(dir, 'runbook.yaml')], {cwd: dir})
        assert.equal(r.code, 0, r.stdout)
        assert.equal(JSON.parse(r.stdout).result.steps[2].plan.data.names, 2 * endpoints, 'both survivors resolve all their names')
        counts.push(sb.requests().length)
      } finally {
        await sb.stop()
      }
    }
    assert.equal(counts[1] - counts[0], 0, `no request per extra endpoint: ${counts}`)
  })
})
