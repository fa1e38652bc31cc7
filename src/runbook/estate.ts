// The estate a runbook describes: steering layers, regions, data tier, CNAME. Steps and the Azure layer read its type;
// src/runbook/schema.ts wraps it into the whole runbook file.
import parseDuration from 'parse-duration'
import {z} from 'zod'

const name = z.string().min(1)
const ipv4 = z.ipv4({message: 'must be an IPv4 address'})
export const regionKey = z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'region keys are short lowercase names such as eus2')

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)'
const PORT = '([1-9]\\d{0,3}|[1-5]\\d{4}|6[0-4]\\d{3}|65[0-4]\\d{2}|655[0-2]\\d|6553[0-5])'
export const resolverAddress = z.string().regex(new RegExp(`^${OCTET}(\\.${OCTET}){3}(:${PORT})?$`), 'must be an IPv4 address with an optional port 1-65535, such as 10.20.0.4 or 10.20.0.4:53')

/** A name Azure accepts for one resource type: the pattern holds Azure's length and character rules, `rule` says them. */
const azureName = (what: string, pattern: RegExp, rule: string) =>
  z.string().regex(pattern, `not a valid ${what} name: ${rule}`).describe(`${what} name: ${rule}`)

// Azure's rules per resource type ("Naming rules and restrictions for Azure resources", Azure Resource Manager docs).
// Where Azure allows periods, '..' is still refused: nothing that reads as a path step reaches an ARM URL.
const resourceGroupName = azureName(
  'resource group',
  /^(?=.{1,90}$)(?!.*\.\.)[\p{L}\p{Nd}_().-]*[\p{L}\p{Nd}_()-]$/u,
  "1-90 letters, digits, '_', '-', '.', '(' and ')', not ending with '.'",
)
const privateEndpointName = azureName(
  'private endpoint',
  /^(?=.{2,64}$)(?!.*\.\.)[A-Za-z0-9][\w.-]*\w$/,
  "2-64 letters, digits, '_', '-' and '.', starting with a letter or digit, ending with a letter, digit or '_'",
)
const trafficManagerProfileName = azureName(
  'Traffic Manager profile',
  /^(?=.{1,63}$)(?!.*\.\.)[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/,
  "1-63 letters, digits, '-' and '.', starting and ending with a letter or digit",
)
const trafficManagerEndpointName = azureName(
  'Traffic Manager endpoint',
  /^(?=.{1,260}$)(?!.*\.\.)[A-Za-z0-9][\w.-]*$/,
  "1-260 letters, digits, '_', '-' and '.', starting with a letter or digit",
)
/** Letters (only lowercase where Azure says so), digits and hyphens, not starting or ending with a hyphen. */
const hyphenatedName = (what: string, min: number, max: number, letters: 'a-z' | 'A-Za-z') =>
  azureName(
    what,
    new RegExp(`^(?=.{${min},${max}}$)[${letters}0-9]([${letters}0-9-]*[${letters}0-9])?$`),
    `${min}-${max} ${letters === 'a-z' ? 'lowercase ' : ''}letters, digits and hyphens, not starting or ending with a hyphen`,
  )
const frontDoorProfileName = hyphenatedName('Front Door profile', 1, 260, 'A-Za-z')
const frontDoorOriginGroupName = hyphenatedName('Front Door origin group', 1, 50, 'A-Za-z')
const frontDoorOriginName = hyphenatedName('Front Door origin', 1, 50, 'A-Za-z')
const postgresServerName = hyphenatedName('PostgreSQL flexible server', 3, 63, 'a-z')
const sqlServerName = hyphenatedName('SQL server', 1, 63, 'a-z')
const sqlFailoverGroupName = hyphenatedName('SQL failover group', 1, 63, 'a-z')
const cosmosAccountName = hyphenatedName('Cosmos DB account', 3, 44, 'a-z')
const DNS_LABELS = "labels of 1-63 letters, digits, '_' and '-', separated by '.'"
const privateDnsZoneName = azureName('private DNS zone', /^(?=.{1,253}$)[\w-]{1,63}(\.[\w-]{1,63}){1,33}$/, `2-34 ${DNS_LABELS}`)
const recordName = azureName('DNS record', /^(@|(?=.{1,253}$)[\w-]{1,63}(\.[\w-]{1,63})*)$/, `'@' or ${DNS_LABELS}`)
const dnsName = z.string().regex(/^(?=.{1,253}$)[\w-]{1,63}(\.[\w-]{1,63})*$/, `not a DNS name: ${DNS_LABELS}`)

export const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const subscriptionId = z
  .string()
  .regex(SUBSCRIPTION_ID, 'not a subscription id: a GUID such as 5a4dbf5e-0c1d-4a8e-9e51-7d0c2a3f9b11')
  .describe('subscription id (a GUID)')

/** What an ARM resource ID names: its subscription, resource group, and the names along its type (zone, then record). */
export interface ArmIdParts {
  subscription: string
  resourceGroup: string
  names: string[]
}

/**
 * Reads `/subscriptions/{s}/resourceGroups/{rg}/providers/{Namespace}/{type}/{name}[/{child}/{name}]` as a resource of
 * `type` (e.g. `Microsoft.Network/privateDnsZones/CNAME`); keywords match case-insensitively, as ARM's do. A string is
 * what is wrong with the id.
 */
export function parseArmId(id: string, type: string): ArmIdParts | string {
  const [namespace, ...types] = type.split('/')
  const shape = `/subscriptions/<subscription id>/resourceGroups/<group>/providers/${namespace}/${types.map((t) => `${t}/<name>`).join('/')}`
  const parts = id.replace(/\/+$/, '').split('/')
  if (parts[0] !== '' || parts[1]?.toLowerCase() !== 'subscriptions' || parts[3]?.toLowerCase() !== 'resourcegroups' || parts[5]?.toLowerCase() !== 'providers') {
    return `not an ARM resource ID: expected ${shape}`
  }
  if (!SUBSCRIPTION_ID.test(parts[2])) return `the subscription '${parts[2]}' in this ARM resource ID is not a subscription id (a GUID)`
  const rest = parts.slice(6)
  const named = [rest[0], ...rest.filter((_, i) => i % 2 === 1)].join('/')
  if (rest.length !== types.length * 2 + 1 || rest[0].toLowerCase() !== namespace.toLowerCase() || types.some((t, i) => rest[1 + i * 2].toLowerCase() !== t.toLowerCase())) {
    return `this ARM resource ID names a ${named || '(nothing)'}, not a ${type}`
  }
  if (rest.some((p) => p === '')) return `this ARM resource ID has an empty name: expected ${shape}`
  return {subscription: parts[2], resourceGroup: parts[4], names: types.map((_, i) => rest[2 + i * 2])}
}

type Names = Record<string, z.ZodString>

/** A resource's ARM ID read as `{subscription, resourceGroup, names...}`; what is wrong with it becomes an issue at `path`. */
function fromArmId(type: string, names: Names, id: string, ctx: z.core.$RefinementCtx, path: PropertyKey[]): Record<string, string> {
  const parts = parseArmId(id, type)
  if (typeof parts === 'string') {
    ctx.addIssue({code: 'custom', path, message: parts})
    return {}
  }
  const fields = Object.keys(names)
  const wrong = [resourceGroupName.safeParse(parts.resourceGroup), ...fields.map((f, i) => names[f].safeParse(parts.names[i]))].find((r) => !r.success)
  if (wrong) ctx.addIssue({code: 'custom', path, message: wrong.error!.issues[0].message})
  return {subscription: parts.subscription, resourceGroup: parts.resourceGroup, ...Object.fromEntries(fields.map((f, i) => [f, parts.names[i]]))}
}

/**
 * A resource located by `id` (a full ARM resource ID of `type`) or by resource group and name fields, with its own
 * `subscription` where it is not the estate's. Either way the loader hands on `{subscription?, resourceGroup, names...}`.
 */
function located<N extends Names, R extends z.ZodRawShape>(type: string, names: N, rest: R) {
  const nameFields = Object.keys(names)
  const shape = {
    id: z.string().optional().describe(`full ARM resource ID of the ${type} (instead of resourceGroup and ${nameFields.join(' and ')})`),
    subscription: subscriptionId.optional().describe("subscription of the resource, where it is not the estate's"),
    resourceGroup: resourceGroupName.optional().describe('resource group of the resource'),
    ...(Object.fromEntries(Object.entries(names).map(([k, v]) => [k, v.optional()])) as {[K in keyof N]: z.ZodOptional<N[K]>}),
    ...rest,
  }
  type Out = Omit<z.output<z.ZodObject<typeof shape>>, 'id' | 'resourceGroup' | keyof N> & {subscription?: string; resourceGroup: string} & {[K in keyof N]: string}
  return z.strictObject(shape).transform((value, ctx): Out => {
    const {id, ...out} = value as Record<string, any>
    if (id === undefined) {
      for (const field of ['resourceGroup', ...nameFields]) {
        if (out[field] === undefined) ctx.addIssue({code: 'custom', path: [field], message: "is required but missing (or give the resource's full ARM ID as id)"})
      }
      return out as Out
    }
    const given = ['subscription', 'resourceGroup', ...nameFields].filter((f) => out[f] !== undefined)
    if (given.length > 0) ctx.addIssue({code: 'custom', path: ['id'], message: `give either id or ${given.join(', ')}, not both: the ARM ID names them`})
    return {...out, ...fromArmId(type, names, id, ctx, ['id'])} as Out
  })
}

/** A resource by resource group and name (the name checked by its type's rules), or by its full ARM resource ID. */
const resourceRef = <N extends z.ZodString>(type: string, resourceName: N) => {
  const names = {name: resourceName}
  const object = located(type, names, {})
  return z.union([
    z
      .string()
      .describe(`full ARM resource ID of the ${type}`)
      .transform((id, ctx) => fromArmId(type, names, id, ctx, []) as z.output<typeof object>),
    object,
  ])
}

const TrafficManager = located('Microsoft.Network/trafficManagerProfiles', {profile: trafficManagerProfileName}, {
  endpointType: z.enum(['AzureEndpoints', 'ExternalEndpoints', 'NestedEndpoints']).default('AzureEndpoints'),
  endpoints: z.record(regionKey, trafficManagerEndpointName).describe('region -> endpoint name'),
})

const FrontDoor = located('Microsoft.Cdn/profiles', {profile: frontDoorProfileName.describe('Front Door Standard/Premium profile name')}, {
  originGroup: frontDoorOriginGroupName,
  origins: z.record(regionKey, frontDoorOriginName).describe('region -> origin name'),
})

const vmName = azureName(
  'virtual machine',
  /^(?=.{1,64}$)[A-Za-z0-9][\w.-]*[A-Za-z0-9_]$|^[A-Za-z0-9]$/,
  "1-64 letters, digits, '_', '-' and '.', starting with a letter or digit, not ending with '-' or '.'",
)
const scaleSetName = azureName('virtual machine scale set', /^(?=.{1,64}$)[A-Za-z0-9][\w.-]*[A-Za-z0-9_]$|^[A-Za-z0-9]$/, "1-64 letters, digits, '_', '-' and '.', starting with a letter or digit, not ending with '-' or '.'")
const instanceId = z.string().regex(/^\d{1,10}$/, 'not a scale-set instance id: its number, such as 0 or 3').describe("the scale-set instance's id (a number, as a string)")
const aksName = azureName('AKS cluster', /^(?=.{1,63}$)[A-Za-z0-9]([\w-]*[A-Za-z0-9])?$/, "1-63 letters, digits, '_' and '-', starting and ending with a letter or digit")

/**
 * Where azfail resolves a region's names from when its resolver cannot be reached from where azfail runs (a hosted CI
 * runner, a laptop without the VPN): an existing VM, scale-set instance or AKS cluster in the region's network, asked
 * through ARM alone (VM run command, AKS command invoke). Exactly one of vm, vmss and aks.
 */
const Vantage = z
  .strictObject({
    vm: resourceRef('Microsoft.Compute/virtualMachines', vmName).optional().describe('a Linux VM in the region\'s network: resolved through its run command (RunShellScript)'),
    vmss: located('Microsoft.Compute/virtualMachineScaleSets/virtualMachines', {scaleSet: scaleSetName, instanceId}, {})
      .optional()
      .describe("a Linux scale-set instance in the region's network: resolved through the instance's run command"),
    aks: resourceRef('Microsoft.ContainerService/managedClusters', aksName).optional().describe("an AKS cluster in the region's network: resolved in a pod (command invoke), through the cluster's DNS as its workloads resolve"),
  })
  .refine((v) => [v.vm, v.vmss, v.aks].filter(Boolean).length === 1, 'name exactly one of vm, vmss and aks')
  .describe("resolve this region's expected names from inside its network, through ARM (run command / command invoke), instead of asking its resolver from where azfail runs")

export type Vantage = z.infer<typeof Vantage>

const Region = z.strictObject({
  location: name.describe('Azure location, e.g. eastus2'),
  resolver: resolverAddress
    .optional()
    .describe("ip[:port] of a DNS resolver inside the region's network (e.g. its DNS Private Resolver inbound endpoint); the sandbox supplies its own"),
  expect: z
    .record(dnsName, ipv4)
    .default({})
    .describe("names the region's workloads use -> the region's OWN private IP they must resolve to"),
  privateEndpoints: z.array(resourceRef('Microsoft.Network/privateEndpoints', privateEndpointName)).default([]).describe('private endpoints that belong to this region'),
  crossRegion: z
    .array(z.strictObject({name: dnsName, servedBy: regionKey, reason: z.string().min(1), costOwner: z.string().optional()}))
    .default([])
    .describe('declared Pattern-B exceptions: names this region reaches through another region\'s private endpoint, with why and who pays the egress'),
  vantage: Vantage.optional(),
})

/** A duration: '90s', '15m', '1h30m', '1h 30m', '2 hours'; parse-duration reads it, every part must carry a known unit. */
export const DURATION_SHAPE = /^\s*(\d+(\.\d+)?\s*[A-Za-z]+\s*)+$/
export const durationSeconds = (text: string): number | undefined => {
  const parts = text.match(/\d+(\.\d+)?\s*[A-Za-z]+/g) ?? []
  if (!DURATION_SHAPE.test(text) || parts.some((p) => !parseDuration(p))) return undefined
  return parseDuration(text, 's') ?? undefined
}

const LAG_SHAPE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)\s*$/

const WriteCheck = z
  .strictObject({
    database: name.default('postgres'),
    user: name.describe('a role allowed to create and write the azfail_write_check table'),
    passwordEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).optional().describe('environment variable holding the password (never the password itself)'),
    port: z.number().int().min(1).max(65535).default(5432),
    ssl: z.boolean().default(true).describe('TLS to the server (Azure requires it)'),
    sslmode: z
      .enum(['require', 'verify-ca', 'verify-full'])
      .default('verify-ca')
      .describe("how the server's certificate is checked (libpq's sslmode). The check connects through the CNAME, which the certificate does not name, so verify-full fails there (lint warns); verify-ca checks the CA chain"),
  })
  .describe('after a promotion, write through the CNAME from every region to prove the new primary takes writes')

const Postgres = z.strictObject({
  servers: z.record(regionKey, resourceRef('Microsoft.DBforPostgreSQL/flexibleServers', postgresServerName)).describe('region -> PostgreSQL flexible server (the primary and its read replica)'),
  writeCheck: WriteCheck.optional(),
  maxReplicationLag: z
    .union([z.number().nonnegative(), z.string().regex(LAG_SHAPE, "a duration such as 30, '30s', '500ms' or '2m'")])
    .optional()
    .describe('replica-healthy refuses a planned promotion while the replica lags its primary by more than this (seconds, or a duration such as 30s or 2m)'),
})

/** The lag limit in seconds. */
export function maxLagSeconds(limit: number | string | undefined): number | undefined {
  return typeof limit === 'string' ? durationSeconds(limit) : limit
}

const SqlFailoverGroup = z.strictObject({
  name: sqlFailoverGroupName,
  servers: z.record(regionKey, resourceRef('Microsoft.Sql/servers', sqlServerName)).describe('region -> partner server'),
})

const Cosmos = located('Microsoft.DocumentDB/databaseAccounts', {account: cosmosAccountName}, {})

const Cname = located('Microsoft.Network/privateDnsZones/CNAME', {zone: privateDnsZoneName.describe('private DNS zone holding the CNAME'), name: recordName.describe("relative record name, e.g. 'prod'")}, {})

export const Estate = z.strictObject({
  subscription: subscriptionId.optional().describe("the estate's default subscription id, for every resource that names none; --subscription or AZURE_SUBSCRIPTION_ID override it"),
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
  stateZone: located('Microsoft.Network/privateDnsZones', {zone: privateDnsZoneName}, {})
    .optional()
    .describe("private DNS zone where azfail keeps state other operators must see (drain times, the run lock) as TXT records; default: the CNAME's zone"),
})

export type Estate = z.infer<typeof Estate>
export type ResourceRef = z.infer<ReturnType<typeof resourceRef>>
/** Where a resource lives: its own subscription (absent: the estate's default), its resource group. */
export interface Located {
  subscription?: string
  resourceGroup: string
}
