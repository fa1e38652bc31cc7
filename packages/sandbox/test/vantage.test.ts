// Vantages: a region's VM, scale-set instance and AKS cluster run a command through ARM (run command, command invoke),
// driven by the real @azure/arm-compute and @azure/arm-containerservice clients. The command's getent asks the
// region's own resolver, so the same name answers differently from each region; the run's shape is Azure's; hostile
// vantages, outages and a silent resolver look from outside as they would in Azure.
import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {after, before, describe, it} from 'node:test'
import {ClientSecretCredential} from '@azure/identity'
import {HUB_SPOKE_SUBSCRIPTIONS, fleetSubscription, sandboxAccess, sandboxVantages} from '../src/index.ts'
import {SUB_PATH, type TestSandbox, startFleetSandbox, startTestSandbox} from './helpers.ts'

const json = (body: unknown) => ({body: JSON.stringify(body)})
const ahostsv4 = (address: string, canonical: string) => `${address.padEnd(15)} STREAM ${canonical}\n${address.padEnd(15)} DGRAM  \n${address.padEnd(15)} RAW    \n`
const KV_EUS2 = ahostsv4('10.20.3.7', 'kv-app-eus2.privatelink.vaultcore.azure.net')

/** The VM's stdout and stderr, through the SDK's poller. */
async function onVm(sb: TestSandbox, region: string, script: string[], vm = `vm-probe-${region}`) {
  const compute = await sb.clients.compute()
  const result = await compute.virtualMachines.runCommand(`rg-spoke-${region}`, vm, {commandId: 'RunShellScript', script})
  return {stdout: result.value?.[0]?.message, stderr: result.value?.[1]?.message, value: result.value}
}

const vmPath = (sb: TestSandbox, region: string) => `${SUB_PATH(sb)}/resourceGroups/rg-spoke-${region}/providers/Microsoft.Compute/virtualMachines/vm-probe-${region}`

/** Polls a Location until it answers other than 202; returns every status seen and the last answer. */
async function follow(sb: TestSandbox, location: string, maxPolls = 100) {
  const url = new URL(location)
  const statuses: number[] = []
  for (let i = 0; i < maxPolls; i++) {
    const r = await sb.raw('GET', url.pathname + url.search)
    statuses.push(r.status)
    if (r.status !== 202) return {statuses, last: r}
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`still 202 after ${maxPolls} polls`)
}

describe('vantages: a command run inside a region', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())

  it("resolves through the VM's own region: the same Cosmos DB name answers each region's private address", async () => {
    const eus2 = await onVm(sb, 'eus2', ['getent ahostsv4 kv-app-eus2.vault.azure.net', 'getent ahostsv4 cosmos-app.documents.azure.com'])
    assert.equal(eus2.stdout, KV_EUS2 + ahostsv4('10.20.4.5', 'cosmos-app.privatelink.documents.azure.com'))
    assert.equal(eus2.stderr, '')
    const wus2 = await onVm(sb, 'wus2', ['getent ahostsv4 kv-app-wus2.vault.azure.net', 'getent hosts cosmos-app.documents.azure.com'])
    assert.equal(wus2.stdout, ahostsv4('10.30.3.7', 'kv-app-wus2.privatelink.vaultcore.azure.net') + '10.30.4.5       cosmos-app.privatelink.documents.azure.com cosmos-app.documents.azure.com\n')
  })

  it("answers 202 with a Location at the region's operations, 202 while the script runs, then the RunCommandResult", async () => {
    const accepted = await sb.raw('POST', `${vmPath(sb, 'eus2')}/runCommand?api-version=2026-04-01`, json({commandId: 'RunShellScript', script: ['/bin/sleep 1', 'echo done', 'echo oops >&2']}))
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body))
    assert.equal(accepted.body, undefined)
    const location = String(accepted.headers.location)
    assert.match(location, new RegExp(`^${sb.connection.armEndpoint}${SUB_PATH(sb)}/providers/Microsoft.Compute/locations/eastus2/operations/[0-9a-f-]{36}\\?monitor=true&api-version=2026-04-01$`))
    const {statuses, last} = await follow(sb, location)
    assert.equal(statuses[0], 202, 'the script takes a second: the first poll finds it running')
    assert.equal(last.status, 200)
    assert.deepEqual(last.body, {value: [
      {code: 'ComponentStatus/StdOut/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: 'done\n'},
      {code: 'ComponentStatus/StdErr/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: 'oops\n'},
    ]})
  })

  it('keeps the last 4,096 bytes of stdout and of stderr, as Azure does', async () => {
    const lines = 'i=0; while [ $i -lt 1000 ]; do printf "%04d\\n" $i; i=$((i+1)); done'
    const {stdout, stderr} = await onVm(sb, 'eus2', [lines, `(${lines}) >&2`])
    const all = Array.from({length: 1000}, (_, i) => `${String(i).padStart(4, '0')}\n`).join('')
    assert.equal(all.length, 5000)
    assert.equal(stdout, all.slice(-4096))
    assert.equal(stderr, all.slice(-4096))
  })

  it("runs with a PATH holding only getent, in a fresh directory that is its HOME; a script's exit code does not fail the run", async () => {
    const {stdout, stderr} = await onVm(sb, 'wus2', ['for f in "$PATH"/*; do echo "${f##*/}"; done', '[ "$HOME" = "$(pwd)" ] && echo home', 'ls', 'exit 3'])
    assert.equal(stdout, 'getent\nhome\n')
    assert.match(stderr ?? '', /ls: not found/)
  })

  it('runs on a scale-set instance, which reads as Compute returns one', async () => {
    const compute = await sb.clients.compute()
    const instance = await compute.virtualMachineScaleSetVMs.get('rg-spoke-wus2', 'vmss-probe-wus2', '1')
    assert.deepEqual([instance.name, instance.instanceId, instance.location, instance.storageProfile?.osDisk?.osType], ['vmss-probe-wus2_1', '1', 'westus2', 'Linux'])
    const result = await compute.virtualMachineScaleSetVMs.runCommand('rg-spoke-wus2', 'vmss-probe-wus2', '1', {commandId: 'RunShellScript', script: ['getent ahostsv4 kv-app-eus2.vault.azure.net']})
    assert.equal(result.value?.[0].message, KV_EUS2, 'the global zone is linked to every spoke')
  })

  it('reads the VM and the cluster in Azure\'s shapes', async () => {
    const vm = await (await sb.clients.compute()).virtualMachines.get('rg-spoke-eus2', 'vm-probe-eus2')
    assert.deepEqual([vm.id, vm.name, vm.type, vm.location, vm.provisioningState, vm.storageProfile?.osDisk?.osType], [vmPath(sb, 'eus2'), 'vm-probe-eus2', 'Microsoft.Compute/virtualMachines', 'eastus2', 'Succeeded', 'Linux'])
    const cluster = await (await sb.clients.containerService()).managedClusters.get('rg-spoke-wus2', 'aks-app-wus2')
    assert.deepEqual([cluster.name, cluster.location, cluster.provisioningState], ['aks-app-wus2', 'westus2', 'Succeeded'])
    assert.match(cluster.id ?? '', /\/resourceGroups\/rg-spoke-wus2\/providers\/Microsoft\.ContainerService\/managedClusters\/aks-app-wus2$/)
  })

  it("runs an AKS command: the poller's result and getCommandResult carry the exit code and logs", async () => {
    const aks = (await sb.clients.containerService()).managedClusters
    const ran = await aks.runCommand('rg-spoke-eus2', 'aks-app-eus2', {command: 'getent hosts cosmos-app.documents.azure.com; getent ahostsv4 nowhere.example', context: ''})
    assert.equal(ran.provisioningState, 'Succeeded')
    assert.equal(ran.exitCode, 2, "getent's exit code for a name not found")
    assert.equal(ran.logs, '10.20.4.5       cosmos-app.privatelink.documents.azure.com cosmos-app.documents.azure.com\n')
    assert.ok(ran.startedAt instanceof Date && ran.finishedAt instanceof Date && ran.finishedAt >= ran.startedAt)
    const again = await aks.getCommandResult('rg-spoke-eus2', 'aks-app-eus2', ran.id!)
    assert.deepEqual([again?.provisioningState, again?.exitCode, again?.logs], ['Succeeded', 2, ran.logs])
    await assert.rejects(aks.getCommandResult('rg-spoke-wus2', 'aks-app-wus2', ran.id!), (e: any) => e.statusCode === 404, "another cluster's result is not this one's")
  })

  it('answers a missing VM with ResourceNotFound and a commandId other than RunShellScript with 400', async () => {
    const compute = await sb.clients.compute()
    await assert.rejects(compute.virtualMachines.runCommand('rg-spoke-eus2', 'vm-nope', {commandId: 'RunShellScript', script: ['true']}), (e: any) => e.statusCode === 404 && e.code === 'ResourceNotFound')
    await assert.rejects(compute.virtualMachines.get('rg-spoke-eus2', 'vm-nope'), (e: any) => e.statusCode === 404 && e.code === 'ResourceNotFound')
    await assert.rejects(compute.virtualMachines.runCommand('rg-spoke-eus2', 'vm-probe-eus2', {commandId: 'RunPowerShellScript', script: ['Write-Host hi']}), (e: any) => e.statusCode === 400)
  })

  it('refuses a principal without the run command action (403) and lets the operator run and poll', async () => {
    const ca = sandboxAccess(sb.connection).ca
    const as = (name: string) => {
      const id = sb.connection.identities[name]
      return sb.clientsWith(new ClientSecretCredential(sb.connection.tenantId, id.clientId, id.clientSecret, {authorityHost: sb.connection.authorityHost, disableInstanceDiscovery: true, tlsOptions: {ca}}), 0)
    }
    const reader = as('reader')
    await assert.rejects((await reader.compute()).virtualMachines.runCommand('rg-spoke-eus2', 'vm-probe-eus2', {commandId: 'RunShellScript', script: ['true']}), (e: any) =>
      e.statusCode === 403 && e.code === 'AuthorizationFailed' && /'Microsoft\.Compute\/virtualMachines\/runCommand\/action' over scope '[^']*\/virtualMachines\/vm-probe-eus2'/.test(e.message))
    await assert.rejects((await reader.containerService()).managedClusters.runCommand('rg-spoke-eus2', 'aks-app-eus2', {command: 'true'}), (e: any) => e.statusCode === 403 && /managedClusters\/runcommand\/action/.test(e.message))
    assert.equal((await (await reader.compute()).virtualMachines.get('rg-spoke-eus2', 'vm-probe-eus2')).name, 'vm-probe-eus2', 'a reader reads')
    const operator = as('operator')
    const vm = await (await operator.compute()).virtualMachines.runCommand('rg-spoke-eus2', 'vm-probe-eus2', {commandId: 'RunShellScript', script: ['getent ahostsv4 kv-app-eus2.vault.azure.net']})
    assert.equal(vm.value?.[0].message, KV_EUS2)
    const aks = await (await operator.containerService()).managedClusters.runCommand('rg-spoke-wus2', 'aks-app-wus2', {command: 'echo ok'})
    assert.equal(aks.logs, 'ok\n')
  })

  it('records the run as runCommand/action in the activity log', async () => {
    const since = new Date().toISOString()
    await onVm(sb, 'wus2', ['true'])
    const events = []
    for await (const e of (await sb.clients.monitor()).activityLogs.list(`eventTimestamp ge '${since}' and resourceUri eq '${vmPath(sb, 'wus2')}'`)) events.push(e)
    assert.deepEqual(events.map((e) => [e.operationName?.value, e.status?.value]), [['Microsoft.Compute/virtualMachines/runCommand/action', 'Accepted']])
  })
})

describe('vantages: hostile behaviour, outages, a silent resolver, the time limit', () => {
  let sb: TestSandbox
  before(async () => (sb = await startTestSandbox()))
  after(() => sb.stop())
  const access = () => sandboxAccess(sb.connection)
  const clear = () => sandboxVantages(access(), 'clear')

  it('replace: stdout is the given text verbatim, in that region only', async () => {
    await sandboxVantages(access(), {region: 'eastus2', behaviour: 'replace', stdout: '10.66.6.6       STREAM evil\n'})
    try {
      assert.deepEqual(await sandboxVantages(access()), [{region: 'eus2', behaviour: 'replace', stdout: '10.66.6.6       STREAM evil\n'}])
      assert.equal((await onVm(sb, 'eus2', ['getent ahostsv4 kv-app-eus2.vault.azure.net'])).stdout, '10.66.6.6       STREAM evil\n')
      assert.equal((await onVm(sb, 'wus2', ['getent ahostsv4 kv-app-eus2.vault.azure.net'])).stdout, KV_EUS2)
    } finally {
      await clear()
    }
  })

  it('truncate: stdout keeps only its last keepBytes bytes', async () => {
    await sandboxVantages(access(), {region: 'eus2', behaviour: 'truncate', keepBytes: 20})
    try {
      assert.equal((await onVm(sb, 'eus2', ['getent ahostsv4 kv-app-eus2.vault.azure.net'])).stdout, KV_EUS2.slice(-20))
      const aks = await (await sb.clients.containerService()).managedClusters.runCommand('rg-spoke-eus2', 'aks-app-eus2', {command: 'echo 0123456789abcdefghijklmnopqrstuvwxyz'})
      assert.equal(aks.logs, 'hijklmnopqrstuvwxyz\n', 'the AKS logs likewise')
    } finally {
      await clear()
    }
  })

  it('garbage: the same printable junk for a seed, ending in a partial line, never the answer', async () => {
    await sandboxVantages(access(), {region: 'wus2', behaviour: 'garbage', seed: 7})
    try {
      const first = (await onVm(sb, 'wus2', ['getent ahostsv4 kv-app-wus2.vault.azure.net'])).stdout ?? ''
      const second = (await onVm(sb, 'wus2', ['getent ahostsv4 kv-app-wus2.vault.azure.net'])).stdout
      assert.equal(second, first)
      assert.ok(first.length >= 64 && /^[\x20-\x7e\n]+$/.test(first) && !first.endsWith('\n') && first.includes('\n'), JSON.stringify(first))
      assert.ok(!first.includes('10.30.3.7'))
      await sandboxVantages(access(), {region: 'wus2', behaviour: 'garbage', seed: 8})
      assert.notEqual((await onVm(sb, 'wus2', ['true'])).stdout, first, 'another seed, other junk')
    } finally {
      await clear()
    }
  })

  it("fail: the VM's run fails with the VM agent's error; the AKS command ends Failed with a non-zero exit code", async () => {
    await sandboxVantages(access(), {region: 'eus2', behaviour: 'fail'})
    try {
      await assert.rejects(onVm(sb, 'eus2', ['true']), (e: any) => e.code === 'VMAgentStatusCommunicationError' && /has not reported status for VM agent/.test(e.message))
      const aks = await (await sb.clients.containerService()).managedClusters.runCommand('rg-spoke-eus2', 'aks-app-eus2', {command: 'echo hi'})
      assert.equal(aks.provisioningState, 'Failed')
      assert.notEqual(aks.exitCode, 0)
      assert.ok(aks.reason)
    } finally {
      await clear()
    }
  })

  it('hang: polls answer 202 until the region stops hanging, then the run answers', async () => {
    await sandboxVantages(access(), {region: 'eus2', behaviour: 'hang'})
    const accepted = await sb.raw('POST', `${vmPath(sb, 'eus2')}/runCommand?api-version=2026-04-01`, json({commandId: 'RunShellScript', script: ['echo late']}))
    const url = new URL(String(accepted.headers.location))
    const aks = await sb.raw('POST', `${SUB_PATH(sb)}/resourceGroups/rg-spoke-eus2/providers/Microsoft.ContainerService/managedClusters/aks-app-eus2/runCommand?api-version=2026-06-01`, json({command: 'echo late'}))
    const aksUrl = new URL(String(aks.headers.location))
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 300))
      assert.equal((await sb.raw('GET', url.pathname + url.search)).status, 202)
      const pending = await sb.raw('GET', aksUrl.pathname + aksUrl.search)
      assert.deepEqual([pending.status, pending.body], [202, undefined])
    }
    await sb.control('DELETE', 'vantage/eus2')
    assert.equal((await follow(sb, url.toString())).last.body.value[0].message, 'late\n')
    assert.equal((await follow(sb, aksUrl.toString())).last.body.properties.logs, 'late\n')
  })

  it('refuses a behaviour it does not know, or one missing what it needs; a reset clears them', async () => {
    for (const bad of [{region: 'eus2', behaviour: 'sulk'}, {region: 'mars', behaviour: 'fail'}, {region: 'eus2', behaviour: 'replace'}, {region: 'eus2', behaviour: 'truncate', keepBytes: -1}, {region: 'eus2', behaviour: 'fail', colour: 'red'}]) {
      const r = await sb.control('POST', 'vantage', bad)
      assert.deepEqual([r.status, r.body.error.code], [400, 'InvalidVantage'], JSON.stringify(bad))
    }
    await sandboxVantages(access(), {region: 'wus2', behaviour: 'fail'})
    await sb.control('POST', 'reset', {})
    assert.deepEqual(await sandboxVantages(access()), [])
  })

  it("a region whose ARM is down answers its VMs' and clusters' routes as its other resources; the other region runs", async () => {
    await sb.control('POST', 'outage', {region: 'eus2', arm: 'error'})
    try {
      const vm = await sb.raw('POST', `${vmPath(sb, 'eus2')}/runCommand?api-version=2026-04-01`, json({commandId: 'RunShellScript', script: ['true']}))
      assert.deepEqual([vm.status, vm.body.error.code], [503, 'ServiceUnavailable'])
      const cluster = await sb.raw('GET', `${SUB_PATH(sb)}/resourceGroups/rg-spoke-eus2/providers/Microsoft.ContainerService/managedClusters/aks-app-eus2?api-version=2026-06-01`)
      assert.equal(cluster.status, 503)
      assert.equal((await onVm(sb, 'wus2', ['getent ahostsv4 kv-app-wus2.vault.azure.net'])).stdout, ahostsv4('10.30.3.7', 'kv-app-wus2.privatelink.vaultcore.azure.net'))
    } finally {
      await sb.control('DELETE', 'outage')
    }
  })

  it("a silent resolver: getent in that region gets no answer and exits 2, printing no address", async () => {
    await sb.control('POST', 'outage', {region: 'eus2', resolver: 'silent'})
    try {
      const {stdout} = await onVm(sb, 'eus2', ['getent ahostsv4 kv-app-eus2.vault.azure.net', 'echo "exit=$?"'])
      assert.equal(stdout, 'exit=2\n')
    } finally {
      await sb.control('DELETE', 'outage')
    }
  })

  it('the time limit: a run still going is killed with its process group; the VM run fails, the AKS command ends Failed', async () => {
    await sb.control('PATCH', 'settings', {vantageTimeoutSeconds: 1})
    try {
      await assert.rejects(onVm(sb, 'wus2', ['/bin/sleep 30']), (e: any) => e.code === 'VMExtensionProvisioningTimeout')
      const aks = await (await sb.clients.containerService()).managedClusters.runCommand('rg-spoke-wus2', 'aks-app-wus2', {command: '/bin/sleep 30 & echo $!; wait'})
      assert.deepEqual([aks.provisioningState, aks.reason], ['Failed', 'DeadlineExceeded'])
      const sleeper = Number(aks.logs?.trim())
      assert.ok(sleeper > 0, aks.logs)
      // gone, or dead and waiting for a parent to reap it (a container's first process may not)
      const state = existsSync(`/proc/${sleeper}/stat`) ? readFileSync(`/proc/${sleeper}/stat`, 'utf8').replace(/^.*\) /, '')[0] : 'gone'
      assert.ok(state === 'gone' || state === 'Z', `the background sleep went with its group (its state: ${state})`)
    } finally {
      await sb.control('PATCH', 'settings', {vantageTimeoutSeconds: 60})
    }
  })

  it("the hub-spoke estate: each region's vantages sit in its workload subscription and resolve there", async () => {
    await sb.control('POST', 'reset', {estate: 'hub-spoke'})
    for (const [region, address] of [['eus2', '10.20.3.7'], ['wus2', '10.30.3.7']] as const) {
      const path = `/subscriptions/${HUB_SPOKE_SUBSCRIPTIONS[region]}/resourceGroups/rg-spoke-${region}/providers/Microsoft.Compute/virtualMachines/vm-probe-${region}/runCommand?api-version=2026-04-01`
      const accepted = await sb.raw('POST', path, json({commandId: 'RunShellScript', script: [`getent ahostsv4 kv-app-${region}.vault.azure.net`]}))
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body))
      assert.match(String(accepted.headers.location), new RegExp(`/subscriptions/${HUB_SPOKE_SUBSCRIPTIONS[region]}/providers/Microsoft\\.Compute/`))
      const done = await follow(sb, String(accepted.headers.location))
      assert.equal(done.last.body.value[0].message, ahostsv4(address, `kv-app-${region}.privatelink.vaultcore.azure.net`))
    }
  })
})

describe("vantages on the fleet estate: each copy's VM resolves through its own copy's resolver", () => {
  let sb: TestSandbox
  before(async () => (sb = await startFleetSandbox()))
  after(() => sb.stop())

  /** getent on copy n's eus2 VM, through ARM's run command and its Location. */
  const onCopy = async (n: number, name: string) => {
    const vm = `/subscriptions/${fleetSubscription(n)}/resourceGroups/rg-spoke-eus2/providers/Microsoft.Compute/virtualMachines/vm-probe-eus2`
    const accepted = await sb.raw('POST', `${vm}/runCommand?api-version=2026-04-01`, json({commandId: 'RunShellScript', script: [`getent hosts ${name}`]}))
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body))
    const {last} = await follow(sb, String(accepted.headers.location))
    return (last.body as {value: Array<{message: string}>}).value[0].message
  }

  it("sees an edit to copy 2's zone from copy 2's VM, and not from copy 1's", async () => {
    const record = `/subscriptions/${fleetSubscription(2)}/resourceGroups/rg-connectivity-dns/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net/A/kv-app-eus2?api-version=2024-06-01`
    const edited = await sb.raw('PUT', record, json({properties: {ttl: 1, aRecords: [{ipv4Address: '10.20.3.99'}]}}))
    assert.equal(edited.status, 200, JSON.stringify(edited.body))
    assert.match(await onCopy(2, 'kv-app-eus2.vault.azure.net'), /^10\.20\.3\.99 /, "copy 2's VM asks copy 2's resolver")
    assert.match(await onCopy(1, 'kv-app-eus2.vault.azure.net'), /^10\.20\.3\.7 /, "copy 1's VM still sees copy 1's record")
  })
})
