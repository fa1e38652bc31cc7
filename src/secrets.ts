// The secrets azfail holds in this process (tokens, the client secret, the federated assertion, the write check's
// password, webhook URLs) and the one function every text passes through before it leaves: journal, events,
// notifications, reports, stdout and stderr. Redaction works on the raw text, before any escaping; as a second line
// of defence it also knows each secret's common encodings, so a secret escaped somewhere on the way is still found.

/** Shorter values are not secrets worth the name, and redacting them would mangle ordinary words. */
const MIN_LENGTH = 6

export const REDACTED = '[redacted]'

/** A webhook URL's path or query this long carries its secret (Slack's /services/T…/B…/…, Teams' signed query) */
const URL_PART_LENGTH = 16

const secrets = new Set<string>()
/** every form of every secret, longest first, so a longer form is replaced before a shorter one inside it */
let forms: string[] = []

const html = (s: string, quote: '&#39;' | '&#x27;' | '&apos;') => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, quote)
/** Slack's mrkdwn escapes only &, < and > */
const htmlMinimal = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const jsonInner = (s: string) => JSON.stringify(s).slice(1, -1)
/** JSON as serializers that write ASCII only emit it: every non-ASCII character as \uXXXX */
const jsonAscii = (s: string) => jsonInner(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

/**
 * The base64 text of the secret wherever it sits in the encoded bytes: for each of the three alignments, the
 * characters that only the secret's bytes determine.
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8')
  const cores: string[] = []
  for (const shift of [0, 1, 2]) {
    const text = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64')
    const whole = Math.floor((shift + bytes.length) / 3) * 4
    const core = text.slice(shift === 0 ? 0 : 4, whole)
    if (core.length >= 8) cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'))
  }
  // the whole value on its own, padded, as a header or a file would carry it
  cores.push(bytes.toString('base64'), bytes.toString('base64url'))
  return cores
}

/** The forms a secret takes in the places azfail's text goes. */
function formsOf(secret: string): string[] {
  const escaped = [secret, html(secret, '&#39;'), html(secret, '&#x27;'), html(secret, '&apos;'), htmlMinimal(secret), encodeURIComponent(secret), encodeURI(secret), encodeURIComponent(secret).replace(/%20/g, '+')]
  const all = [...escaped.flatMap((s) => [s, jsonInner(s), jsonAscii(s), jsonInner(jsonInner(s))]), ...base64Cores(secret)]
  return all.filter((f) => f.length >= MIN_LENGTH)
}

/** Adds a value to the secrets never shown; an empty or short value is ignored. */
export function addSecret(value: string | undefined): void {
  const v = value?.trim()
  if (!v || v.length < MIN_LENGTH || secrets.has(v)) return
  secrets.add(v)
  // a URL's secret is its path and query as much as the whole: a message may quote either (a short path like
  // /generic is no secret, and redacting it would mangle ordinary words)
  const parts = [v]
  try {
    const url = new URL(v)
    if (url.pathname.length >= URL_PART_LENGTH) parts.push(url.pathname)
    if (url.search.length > URL_PART_LENGTH) parts.push(url.search.slice(1))
  } catch {
    // not a URL
  }
  forms = [...new Set([...forms, ...parts.flatMap(formsOf)])].sort((a, b) => b.length - a.length)
}

/** The secrets the environment holds for Azure's credentials (the values @azure/identity reads), and the federated assertion. */
export function addEnvironmentSecrets(env: NodeJS.ProcessEnv, readFile: (path: string) => string): void {
  for (const name of ['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PASSWORD', 'AZURE_PASSWORD', 'AZURE_FEDERATED_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'SYSTEM_ACCESSTOKEN']) addSecret(env[name])
  const file = env.AZURE_FEDERATED_TOKEN_FILE
  if (file) {
    try {
      addSecret(readFile(file))
    } catch {
      // no file to read: no assertion to leak; the credential says what is missing
    }
  }
}

/** The text with every known secret, in any of its forms, replaced by [redacted]. */
export function redact(text: string): string {
  if (forms.length === 0 || text.length < MIN_LENGTH) return text
  let out = text
  for (const f of forms) if (out.includes(f)) out = out.replaceAll(f, REDACTED)
  return out
}

/** A copy of a value with every string in it redacted (keys too); the value itself is left as it was. */
export function redactDeep<T>(value: T): T {
  if (forms.length === 0) return value
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v)
    if (Array.isArray(v)) return v.map(walk)
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [walk(k), walk(x)]))
    if (v instanceof Set) return new Set([...v].map(walk))
    if (v && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [redact(k), walk(x)]))
    }
    if (v instanceof Error) {
      const copy = new Error(redact(v.message))
      copy.name = v.name
      return copy
    }
    return v
  }
  return walk(value) as T
}

/** For tests: forget every secret. */
export function forgetSecrets(): void {
  secrets.clear()
  forms = []
}
