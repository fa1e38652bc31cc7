// The runbook file's schema: the estate azfail acts on. The loader validates with it and the committed JSON Schema
// (schema/runbook.schema.json, for editors) is generated from it, so the two cannot drift.
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

const StepSpec = z.union([
  z.enum(['drainSteering', 'waitOutTtl', 'verifySurvivorResolution', 'teardownEndpoints', 'promoteReplica', 'repointCname', 'verifyCname', 'verifyWritable', 'flipFailoverGroup', 'verifyListener', 'failoverCosmos', 'enableSteering']),
  z.strictObject({manualAction: z.string().min(1).describe('an instruction the operator must confirm, e.g. an on-premises forwarder change')}),
])

const Actions = z
  .strictObject({
    drain: z.array(StepSpec).optional(),
    teardown: z.array(StepSpec).optional(),
    promoteReplica: z.array(StepSpec).optional(),
    promoteFailoverGroup: z.array(StepSpec).optional(),
    promoteCosmos: z.array(StepSpec).optional(),
    restore: z.array(StepSpec).optional(),
  })
  .describe('ordered steps per action; omit an action to use the safe default order. Guards apply whatever the order.')

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

export const Runbook = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1),
  name: name.describe('a short name for the estate'),
  estate: Estate,
  actions: Actions.default({}),
  rto: z
    .union([z.number().int().positive(), z.string().regex(/^\d+(s|m|h)$/, "a duration such as 900, '90s', '15m' or '1h'")])
    .optional()
    .describe('recovery-time objective: how long a full failover may take; game-day practice runs are measured against it'),
})

export type Runbook = z.infer<typeof Runbook>
export type Estate = z.infer<typeof Estate>
export type ResourceRef = z.infer<typeof ResourceRef>
export type StepSpec = z.infer<typeof StepSpec>
export type ActionName = keyof z.infer<typeof Actions>

/** The RTO in seconds. */
export function rtoSeconds(rto: Runbook['rto']): number | undefined {
  if (rto === undefined) return undefined
  if (typeof rto === 'number') return rto
  const n = Number(rto.slice(0, -1))
  return n * {s: 1, m: 60, h: 3600}[rto.at(-1) as 's' | 'm' | 'h']!
}

export function runbookJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://azfail.dev/schema/runbook.schema.json',
    title: 'azfail runbook',
    ...z.toJSONSchema(Runbook, {io: 'input'}),
  }
}
