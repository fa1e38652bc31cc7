// The estate a runbook describes: steering layers, regions, data tier, CNAME. Steps and the Azure layer read its type;
// src/runbook/schema.ts wraps it into the whole runbook file.
import {z} from 'zod'

const name = z.string().min(1)
const ipv4 = z.ipv4({message: 'must be an IPv4 address'})
const regionKey = z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'region keys are short lowercase names such as eus2')

export const ResourceRef = z.strictObject({
  resourceGroup: name.describe('resource group of the resource'),
  name: name.describe('resource name'),
})

const TrafficManager = z.strictObject({
  resourceGroup: name,
  profile: name.describe('Traffic Manager profile name'),
  endpointType: z.enum(['AzureEndpoints', 'ExternalEndpoints', 'NestedEndpoints']).default('AzureEndpoints'),
  endpoints: z.record(regionKey, name).describe('region -> endpoint name'),
})

const FrontDoor = z.strictObject({
  resourceGroup: name,
  profile: name.describe('Front Door Standard/Premium profile name'),
  originGroup: name,
  origins: z.record(regionKey, name).describe('region -> origin name'),
})

const Region = z.strictObject({
  location: name.describe('Azure location, e.g. eastus2'),
  resolver: z
    .string()
    .regex(/^\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?$/, 'must be ip or ip:port')
    .optional()
    .describe("ip[:port] of a DNS resolver inside the region's network (e.g. its DNS Private Resolver inbound endpoint); the sandbox supplies its own"),
  expect: z
    .record(z.string().min(1), ipv4)
    .default({})
    .describe("names the region's workloads use -> the region's OWN private IP they must resolve to"),
  privateEndpoints: z.array(ResourceRef).default([]).describe('private endpoints that belong to this region'),
  crossRegion: z
    .array(z.strictObject({name: z.string().min(1), servedBy: regionKey, reason: z.string().min(1), costOwner: z.string().optional()}))
    .default([])
    .describe('declared Pattern-B exceptions: names this region reaches through another region\'s private endpoint, with why and who pays the egress'),
})

const WriteCheck = z
  .strictObject({
    database: name.default('postgres'),
    user: name.describe('a role allowed to create and write the azfail_write_check table'),
    passwordEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).optional().describe('environment variable holding the password (never the password itself)'),
    port: z.number().int().min(1).max(65535).default(5432),
    ssl: z.boolean().default(true).describe('TLS to the server (Azure requires it; the sandbox does not offer it)'),
  })
  .describe('after a promotion, write through the CNAME from every region to prove the new primary takes writes')

const Postgres = z.strictObject({
  servers: z.record(regionKey, ResourceRef).describe('region -> PostgreSQL flexible server (the primary and its read replica)'),
  writeCheck: WriteCheck.optional(),
})

const SqlFailoverGroup = z.strictObject({
  name: name.describe('failover group name'),
  servers: z.record(regionKey, ResourceRef).describe('region -> partner server'),
})

const Cosmos = z.strictObject({
  resourceGroup: name,
  account: name,
})

const Cname = z.strictObject({
  resourceGroup: name,
  zone: name.describe('private DNS zone holding the CNAME'),
  name: name.describe("relative record name, e.g. 'prod'"),
})

export const Estate = z.strictObject({
  subscription: z.string().uuid().optional().describe('subscription id; --subscription or AZURE_SUBSCRIPTION_ID override it'),
  connectionDrainSeconds: z.number().int().min(0).max(3600).default(30).describe('how long in-flight connections need to drain after steering stops'),
  steering: z
    .strictObject({trafficManager: TrafficManager.optional(), frontDoor: FrontDoor.optional()})
    .refine((s) => s.trafficManager || s.frontDoor, 'name at least one steering layer: trafficManager or frontDoor'),
  regions: z.record(regionKey, Region).refine((r) => Object.keys(r).length >= 2, 'a failover estate needs at least two regions'),
  data: z
    .strictObject({postgres: Postgres.optional(), sqlFailoverGroup: SqlFailoverGroup.optional(), cosmos: Cosmos.optional()})
    .default({}),
  cname: Cname.optional().describe('the private-DNS CNAME the applications use for the database'),
  onPremises: z
    .strictObject({forwarders: z.array(z.strictObject({site: z.string().min(1), region: regionKey})).default([])})
    .optional()
    .describe('on-premises DNS forwarders and the region whose inbound resolver each one targets'),
  stateZone: z
    .strictObject({resourceGroup: name, zone: name})
    .optional()
    .describe("private DNS zone where azfail keeps state other operators must see (drain times, the run lock) as TXT records; default: the CNAME's zone"),
})

export type Estate = z.infer<typeof Estate>
export type ResourceRef = z.infer<typeof ResourceRef>
