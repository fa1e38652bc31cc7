// Every value azfail takes from its environment and its command line, each with one rule that says what it accepts.
// The base command checks them all before anything is read from Azure or written anywhere; the modules that use a
// value read it through the same rule. A value that breaks its rule is bad input (exit 2), named with what it accepts.
import {accessSync, constants, statSync} from 'node:fs'
import {z} from 'zod'
import {InputError} from './errors.ts'
import {regionKey, resolverAddress, SUBSCRIPTION_ID} from './runbook/estate.ts'

/** What a value must be: `accepts` completes "…, which is not <accepts>" and "Set X to <accepts>". */
interface Rule<T> {
  code: string
  accepts: string
  schema: z.ZodType<T, string>
  /** the value is a secret (a webhook URL): a message never shows it */
  secret?: boolean
  /** what leaving it unset means, for the hint */
  unset?: string
}

const rule = <T>(code: string, accepts: string, schema: z.ZodType<T, string>, more: Partial<Rule<T>> = {}): Rule<T> => ({code, accepts, schema, ...more})

/** A value as a message shows it: control characters escaped, at most 80 characters. */
export function shown(value: string): string {
  const cut = value.length > 80 ? `${value.slice(0, 80)}…` : value
  return cut.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** Seconds written as digits (a decimal part where `whole` is false): no signs, exponents, hex or words. */
const seconds = (min: number, max: number, whole: boolean) =>
  z
    .string()
    .trim()
    .regex(whole ? /^\d{1,7}$/ : /^\d{1,7}(\.\d{1,6})?$/)
    .transform(Number)
    .pipe(z.number().min(min).max(max))

const PORT = z.string().regex(/^\d{1,5}$/).transform(Number).pipe(z.number().int().min(1).max(65_535))
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/
/** An IPv4 address, or a host name that cannot be mistaken for a mistyped one (digits and dots only). */
const host = z.union([z.ipv4(), z.string().regex(HOST_NAME).refine((h) => !/^[\d.]+$/.test(h))])

/** An https URL (plain http only on loopback, for a local receiver), as its origin; nothing else. */
const httpsUrl = (loopbackHttp: boolean) =>
  z
    .string()
    .trim()
    .transform((v, ctx) => {
      try {
        return new URL(v)
      } catch {
        ctx.addIssue({code: 'custom', message: 'not a URL'})
        return z.NEVER
      }
    })
    .refine((u) => u.protocol === 'https:' || (loopbackHttp && u.protocol === 'http:' && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(u.hostname)))
    .refine((u) => !u.username && !u.password)

/** `a=b,c=d` lists: each entry checked on its own, so a message names the entry that is wrong. */
interface ListRule<K, V> {
  code: string
  accepts: string
  entry: string
  example: string
  parse(entry: string): [K, V] | undefined
}

const RESOLVER_ENTRY = z.tuple([regionKey, resolverAddress])
const CONNECT_ENTRY = z.tuple([z.ipv4(), PORT, host, PORT])

const LISTS = {
  AZFAIL_RESOLVERS: {
    code: 'BadResolvers',
    accepts: "a comma-separated list of region=ip[:port] (a region key of the runbook, an IPv4 address of four octets 0-255, a port 1-65535)",
    entry: 'region=ip[:port] (a region key, an IPv4 address of four octets 0-255, a port 1-65535)',
    example: 'eus2=127.0.0.1:5301,wus2=127.0.0.2:5301',
    parse(entry) {
      const r = RESOLVER_ENTRY.safeParse(entry.split('='))
      return r.success ? r.data : undefined
    },
  } satisfies ListRule<string, string>,
  AZFAIL_CONNECT: {
    code: 'BadConnect',
    accepts: 'a comma-separated list of ip:port=host:port (an IPv4 address of four octets 0-255, ports 1-65535)',
    entry: 'ip:port=host:port (an IPv4 address of four octets 0-255, ports 1-65535)',
    example: '10.20.2.4:1433=127.0.0.1:11433',
    parse(entry) {
      const m = /^([^:=]*):([^:=]*)=([^:=]*):([^:=]*)$/.exec(entry)
      const r = m ? CONNECT_ENTRY.safeParse(m.slice(1)) : undefined
      return r?.success ? [`${r.data[0]}:${r.data[1]}`, {host: r.data[2], port: r.data[3]}] : undefined
    },
  } satisfies ListRule<string, {host: string; port: number}>,
}

const readableFile = (path: string): boolean => {
  try {
    accessSync(path, constants.R_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

const TOKEN_CREDENTIALS = ['dev', 'prod', 'EnvironmentCredential', 'WorkloadIdentityCredential', 'ManagedIdentityCredential', 'VisualStudioCodeCredential', 'AzureCliCredential', 'AzurePowerShellCredential', 'AzureDeveloperCliCredential']
const GUID = z.string().trim().regex(SUBSCRIPTION_ID)
const SUBSCRIPTION = rule('BadSubscription', 'a subscription id (a GUID such as 5a4dbf5e-0c1d-4a8e-9e51-7d0c2a3f9b11)', GUID)

/** The lease's bounds: long enough for a renewal's round trip, short enough that a dead holder's lock frees itself. */
export const LEASE_RANGE = {min: 2, max: 3600} as const

/** The variables azfail reads, each with its rule. Lists (AZFAIL_RESOLVERS, AZFAIL_CONNECT) are in LISTS. */
export const ENVIRONMENT = {
  AZFAIL_LOCK_LEASE_SECONDS: rule('BadLeaseSeconds', `a whole number of seconds from ${LEASE_RANGE.min} to ${LEASE_RANGE.max}`, seconds(LEASE_RANGE.min, LEASE_RANGE.max, true), {unset: 'for the default of 120 s'}),
  AZFAIL_REQUEST_TIMEOUT: rule('BadRequestTimeout', 'a number of seconds from 0.1 to 3600', seconds(0.1, 3600, false), {unset: 'for the default of 10 s per read'}),
  AZFAIL_DNS_TIMEOUT: rule('BadDnsTimeout', 'a number of seconds from 0.05 to 60', seconds(0.05, 60, false), {unset: 'for the default of 1.5 s per try'}),
  AZFAIL_VANTAGE_TIMEOUT: rule('BadVantageTimeout', 'a number of seconds from 1 to 3600', seconds(1, 3600, false), {unset: "for the default of 180 s per region's vantage"}),
  AZFAIL_NOTIFY_TIMEOUT: rule('BadNotifyTimeout', 'a number of seconds from 0.1 to 600', seconds(0.1, 600, false), {unset: 'for the default of 5 s'}),
  AZFAIL_ARM_ENDPOINT: rule('BadEndpoint', "an https URL, such as https://management.azure.com", httpsUrl(false), {unset: "for the --cloud's endpoint"}),
  AZURE_AUTHORITY_HOST: rule('BadEndpoint', 'an https URL, such as https://login.microsoftonline.com', httpsUrl(false), {unset: "for the --cloud's authority"}),
  AZURE_SUBSCRIPTION_ID: SUBSCRIPTION,
  AZURE_TENANT_ID: rule('BadTenant', 'a tenant id (a GUID) or one of its domains, such as contoso.onmicrosoft.com', z.string().trim().regex(HOST_NAME)),
  AZURE_CLIENT_ID: rule('BadClientId', 'an application (client) id: a GUID', GUID),
  AZURE_FEDERATED_TOKEN_FILE: rule('BadTokenFile', 'the path of a readable file holding the federated token', z.string().refine(readableFile)),
  AZURE_TOKEN_CREDENTIALS: rule('BadTokenCredentials', `one of ${TOKEN_CREDENTIALS.join(', ')}`, z.string().trim().refine((v) => TOKEN_CREDENTIALS.some((c) => c.toLowerCase() === v.toLowerCase()))),
}
export type Variable = keyof typeof ENVIRONMENT

type Env = Record<string, string | undefined>

const unsetOr = (raw: string | undefined) => raw === undefined || raw.trim() === ''

function badValue(name: string, r: Pick<Rule<unknown>, 'code' | 'accepts' | 'secret' | 'unset'>, raw: string): InputError {
  const value = r.secret ? 'set' : `'${shown(raw)}'`
  return new InputError(r.code, `${name} is ${value}, which is not ${r.accepts}.`, `Set ${name} to ${r.accepts}${r.unset === undefined ? '' : `, or unset it ${r.unset}`}.`)
}

/** A variable's value by its rule; undefined when it is unset or empty; bad input when it breaks the rule. */
export function setting<N extends Variable>(name: N, env: Env = process.env): z.output<(typeof ENVIRONMENT)[N]['schema']> | undefined {
  const raw = env[name]
  if (unsetOr(raw)) return undefined
  const r: Rule<unknown> = ENVIRONMENT[name]
  const parsed = r.schema.safeParse(raw)
  if (!parsed.success) throw badValue(name, r, raw!)
  return parsed.data as any
}

/** A list variable's entries by its rule (a key given twice is bad input too); empty when it is unset. */
export function listSetting<N extends keyof typeof LISTS>(name: N, value: string | undefined): Map<string, NonNullable<ReturnType<(typeof LISTS)[N]['parse']>>[1]> {
  const r: ListRule<string, any> = LISTS[name]
  const out = new Map()
  for (const entry of (value ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const kv = r.parse(entry)
    if (!kv) throw new InputError(r.code, `${name} has '${shown(entry)}', which is not ${r.entry}.`, `Write it as ${r.example}.`)
    if (out.has(kv[0])) throw new InputError(r.code, `${name} names ${kv[0]} twice.`, `Write each once, as in ${r.example}.`)
    out.set(kv[0], kv[1])
  }
  return out
}

/** A webhook URL in a variable the runbook names (urlEnv): https, or http on loopback; a message never shows it. */
export function webhookUrl(name: string, value: string): URL {
  const parsed = httpsUrl(true).safeParse(value)
  if (!parsed.success) throw badValue(name, {code: 'BadWebhook', accepts: 'an https URL (plain http only on loopback: the URL is a secret, never sent in the clear)', secret: true}, value)
  return parsed.data
}

/** Every variable azfail reads, checked: the first bad one is bad input. */
export function checkEnvironment(env: Env = process.env): void {
  for (const name of Object.keys(ENVIRONMENT) as Variable[]) setting(name, env)
  for (const name of Object.keys(LISTS) as Array<keyof typeof LISTS>) listSetting(name, env[name])
}

/** What the runbook adds: the regions AZFAIL_RESOLVERS names are its regions; the webhook variables it names hold URLs. */
export function checkEnvironmentFor(runbook: {file: string; regions: string[]; webhookVariables: string[]}, env: Env = process.env): void {
  const unknown = [...listSetting('AZFAIL_RESOLVERS', env.AZFAIL_RESOLVERS).keys()].find((r) => !runbook.regions.includes(r))
  if (unknown) {
    throw new InputError('BadResolvers', `AZFAIL_RESOLVERS names region '${unknown}', which ${runbook.file} does not declare; it declares: ${runbook.regions.join(', ')}.`, 'Name only the runbook\'s regions in AZFAIL_RESOLVERS, e.g. eus2=127.0.0.1:5301.')
  }
  for (const name of runbook.webhookVariables) if (!unsetOr(env[name])) webhookUrl(name, env[name]!)
}

const REASON_MAX = 200
const PATH = z.string().regex(/^[^\u0000-\u001f\u007f]{1,4096}$/).refine((p) => p.trim() !== '')

/** Flags checked by name on every command that has them; a flag a command lacks is not checked. */
const FLAGS: Record<string, Rule<unknown>> = {
  subscription: SUBSCRIPTION,
  reason: rule('BadReason', `a sentence of 1-${REASON_MAX} characters saying why (not blank)`, z.string().trim().min(1).max(REASON_MAX)),
  to: rule('BadRegion', 'a region key of the runbook, such as eus2', regionKey),
  region: rule('BadRegion', 'a region key of the runbook, such as eus2', regionKey),
  ack: rule('BadStepId', "a manual action's step id: manualAction1, manualAction2, … (the plan names them)", z.string().regex(/^manualAction[1-9]\d{0,3}$/)),
  runbook: rule('BadPath', 'a file path (not empty, no control characters)', PATH),
  'runs-dir': rule('BadPath', 'a directory path (not empty, no control characters)', PATH),
  'state-dir': rule('BadPath', 'a directory path (not empty, no control characters)', PATH),
  'from-sandbox': rule('BadPath', 'a directory path (not empty, no control characters)', PATH),
}

/** Positional arguments checked by name. */
const ARGS: Record<string, Rule<unknown>> = {
  id: rule('BadRunId', "a run id such as 20261121-221549-52c430, or a fleet run's such as fleet-20261121-221549-9f04aa ('azfail runs list' shows them)", z.string().regex(/^(fleet-)?\d{8}-\d{6}-[0-9a-f]{6}$/)),
  region: FLAGS.region,
  file: FLAGS.runbook,
  runbooks: FLAGS.runbook,
}

function checkNamed(rules: Record<string, Rule<unknown>>, values: Record<string, unknown>, label: (name: string) => string): void {
  for (const [name, value] of Object.entries(values)) {
    const r = rules[name]
    if (!r || value === undefined) continue
    for (const one of Array.isArray(value) ? value : [value]) {
      if (typeof one === 'string' && !r.schema.safeParse(one).success) throw new InputError(r.code, `${label(name)} is '${shown(one)}', which is not ${r.accepts}.`, `Give ${label(name)} ${r.accepts}.`)
    }
  }
}

/** One positional argument by its rule: for arguments oclif leaves in argv (a command that takes several). */
export function checkArgument(name: string, value: string): void {
  checkNamed(ARGS, {[name]: value}, (n) => `the ${n} argument`)
}

/** A command's flags and arguments, as oclif parsed them, and the environment: the first bad value is bad input. */
export function checkInputs(parsed: {flags: Record<string, unknown>; args: Record<string, unknown>}, env: Env = process.env): void {
  checkNamed(FLAGS, parsed.flags, (name) => `--${name}`)
  checkNamed(ARGS, parsed.args, (name) => `the ${name === 'id' ? 'run id' : name} argument`)
  checkEnvironment(env)
}
