#!/usr/bin/env node
// A program that is not azfail, talking to the azfail sandbox with the official Azure SDK clients.
// Only the endpoint, the credential and the trusted CA differ from talking to Azure.
//
//   npx azfail sandbox start --state-dir /tmp/sbx &
//   node examples/sdk-against-sandbox.mjs /tmp/sbx
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {PrivateDnsManagementClient} from '@azure/arm-privatedns'
import {TrafficManagerManagementClient} from '@azure/arm-trafficmanager'

const stateDir = process.argv[2] ?? '.azfail/sandbox'
const c = JSON.parse(readFileSync(join(stateDir, 'connection.json'), 'utf8'))
const credential = {getToken: async () => ({token: c.token, expiresOnTimestamp: Date.now() + 3600_000})}
const options = {endpoint: c.armEndpoint, tlsOptions: {ca: readFileSync(c.caCertPath, 'utf8')}}

const tm = new TrafficManagerManagementClient(credential, c.subscriptionId, options)
const profile = await tm.profiles.get('rg-global', 'tm-app')
const endpoint = await tm.endpoints.update('rg-global', 'tm-app', 'AzureEndpoints', 'ep-eus2', {endpointStatus: 'Disabled'})

const dns = new PrivateDnsManagementClient(credential, c.subscriptionId, options)
const zone = 'private.postgres.database.azure.com'
const before = await dns.recordSets.get('rg-connectivity-dns', zone, 'CNAME', 'prod')
const after = await dns.recordSets.createOrUpdate('rg-connectivity-dns', zone, 'CNAME', 'prod', {ttl: 30, cnameRecord: before.cnameRecord}, {ifMatch: before.etag})

console.log(JSON.stringify({
  profile: {name: profile.name, ttl: profile.dnsConfig?.ttl},
  endpoint: {name: endpoint.name, status: endpoint.endpointStatus},
  cname: {etagBefore: before.etag, etagAfter: after.etag, ttl: after.ttl},
}))
