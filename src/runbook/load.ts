// Loads a runbook file: YAML parse, schema validation, cross-references; every error names file, line and field.
// Whatever the file holds, the work is bounded: at most 1 MiB is read, parsing stops at a token and nesting bound,
// aliases may not expand the document past a bound, and at most MAX_PROBLEMS problems are located and shown.
import {closeSync, constants, existsSync, fstatSync, openSync, readSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Composer, type Document, LineCounter, Lexer, type Node, Parser, YAMLParseError, isAlias, isCollection, isNode, isPair, isScalar} from 'yaml'
import type {z} from 'zod'
import {InputError} from '../errors.ts'
import {Runbook} from './schema.ts'
import {addSecret} from '../secrets.ts'

export interface LoadedRunbook {
  file: string
  runbook: Runbook
}

export interface RunbookProblem {
  line: number
  column: number
  field: string
  message: string
}

export const DEMO_RUNBOOK = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'runbooks', 'demo.yaml')

/** A runbook is a few KB; anything over this is the wrong file. */
const MAX_RUNBOOK_BYTES = 1024 * 1024
/** YAML tokens parsed before giving up (the parser's time grows with them): the demo runbook has 600. */
const MAX_TOKENS = 200_000
/** Open YAML structures at once (the parser's stack): the demo runbook reaches 8. */
const MAX_DEPTH = 32
/** Values that aliases may add to the document once expanded (a "billion laughs" adds 10^9). */
const MAX_ALIASED_VALUES = 10_000
const MAX_PROBLEMS = 20
/** How long a pipe or device may take to deliver its runbook. */
const READ_DEADLINE_MS = 500

const shownPath = (file: string) => relative(process.cwd(), file) || file

export class RunbookError extends InputError {
  readonly file: string
  readonly problems: RunbookProblem[]

  constructor(file: string, problems: RunbookProblem[], options: {code?: string; omitted?: number; noun?: string} = {}) {
    const shown = shownPath(file)
    super(
      options.code ?? 'InvalidRunbook',
      `${shown} is not a valid ${options.noun ?? 'runbook'}:\n` +
        problems.map((p) => `  ${shown}:${p.line}:${p.column} ${p.field}: ${p.message}`).join('\n') +
        ((options.omitted ?? 0) > 0 ? `\n  … and ${options.omitted} more` : ''),
      `Fix the fields named above; 'azfail lint ${options.noun === 'fleet file' ? '--fleet ' : ''}${shown}' checks the file without touching Azure.`,
    )
    this.file = file
    this.problems = problems
  }
}

/** `--runbook`, else ./azfail.yaml, else (with --sandbox) the bundled demo runbook. */
export function locateRunbook(flag: string | undefined, sandbox: boolean): string {
  if (flag) return resolve(flag)
  const local = resolve('azfail.yaml')
  if (existsSync(local)) return local
  if (sandbox) return DEMO_RUNBOOK
  throw new InputError('NoRunbook', 'No runbook: pass --runbook <file> or put an azfail.yaml in the current directory.', "Copy runbooks/demo.yaml as a start, or add --sandbox to use the demo estate.")
}

/**
 * What a YAML file azfail reads is: its schema, the checks between its sections, and what to call it in an error (a
 * runbook, a fleet file). Errors name the file, line and field whichever it is.
 */
export interface YamlKind<T> {
  noun: string
  code: string
  schema: z.ZodType<T>
  crossCheck?(data: T): Issue[]
}

const RUNBOOK: YamlKind<Runbook> = {noun: 'runbook', code: 'InvalidRunbook', schema: Runbook, crossCheck}

/** Reads, parses and validates a YAML file of the given kind, bounded as a runbook is. */
export function loadYamlFile<T>(file: string, kind: YamlKind<T>): T {
  return parseYaml(decodeRunbook(readRunbookBytes(file), file), file, kind)
}

export function loadRunbook(file: string): LoadedRunbook {
  const loaded = {file, runbook: loadYamlFile(file, RUNBOOK)}
  // What the runbook keeps in the environment (webhook URLs, the write check's password) is never shown, whatever quotes it.
  for (const name of [...(loaded.runbook.notify ?? []).map((t) => t.urlEnv), loaded.runbook.estate.data.postgres?.writeCheck?.passwordEnv]) if (name) addSecret(process.env[name])
  return loaded
}

/**
 * At most MAX_RUNBOOK_BYTES + 1 bytes of the file, whatever it is: a file, a pipe that ends, /dev/zero. Opened
 * non-blocking, so a pipe nobody writes to is given up after READ_DEADLINE_MS instead of hanging.
 */
function readRunbookBytes(file: string): Buffer {
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY)
  } catch (error: any) {
    throw new InputError('RunbookNotFound', `Cannot read runbook ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}.`)
  }
  const shown = shownPath(file)
  try {
    const stat = fstatSync(fd)
    if (stat.isDirectory()) throw new InputError('RunbookNotAFile', `${shown} is a directory, not a runbook file.`, 'Name the runbook file itself, such as runbooks/demo.yaml.')
    const buffer = Buffer.alloc(MAX_RUNBOOK_BYTES + 1)
    const deadline = Date.now() + READ_DEADLINE_MS
    const pause = new Int32Array(new SharedArrayBuffer(4))
    let length = 0
    while (length < buffer.length) {
      if (!stat.isFile() && Date.now() > deadline) {
        throw new InputError('RunbookNotAFile', `${shown} delivered no end of file within ${READ_DEADLINE_MS} ms: it is a pipe or device, not a runbook file.`, 'Save the runbook to a file and name that.')
      }
      let n: number
      try {
        n = readSync(fd, buffer, length, buffer.length - length, null)
      } catch (error: any) {
        if (error.code !== 'EAGAIN') throw new InputError('RunbookNotFound', `Cannot read runbook ${file}: ${error.message}.`)
        Atomics.wait(pause, 0, 0, 10) // loading is synchronous: wait for the writer without spinning
        continue
      }
      if (n === 0) break
      length += n
    }
    if (length === 0 && !stat.isFile()) throw new InputError('RunbookNotAFile', `${shown} is a pipe or device that delivered nothing, not a runbook file.`, 'Save the runbook to a file and name that.')
    if (length > MAX_RUNBOOK_BYTES) {
      const endless = stat.isFile() ? '' : ' (it is not a regular file, and may never end)'
      throw new InputError('RunbookTooLarge', `${shown} holds more than 1 MiB${endless}: a runbook is a few KB of YAML.`, 'Check that this is the runbook you meant.')
    }
    return buffer.subarray(0, length)
  } finally {
    closeSync(fd)
  }
}

/** The bytes as UTF-8 text, or an error at the first byte that is not. */
function decodeRunbook(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(bytes)
  } catch {
    const text = new TextDecoder('utf-8').decode(bytes)
    const [nul, invalid] = [text.indexOf('\0'), text.indexOf('\uFFFD')]
    throw nul >= 0 && nul < invalid ? notText(file, text, nul, 'a NUL byte') : notText(file, text, invalid, 'invalid UTF-8')
  }
}

function notText(file: string, text: string, offset: number, what: string): RunbookError {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  const column = offset - before.lastIndexOf('\n')
  return new RunbookError(file, [{line, column, field: '(file)', message: `${what}: this is a binary file, not a UTF-8 YAML runbook`}], {code: 'RunbookNotText'})
}

export function parseRunbook(text: string, file: string): LoadedRunbook {
  return {file, runbook: parseYaml(text, file, RUNBOOK)}
}

function parseYaml<T>(text: string, file: string, kind: YamlKind<T>): T {
  const noun = {noun: kind.noun}
  const nul = text.indexOf('\0')
  if (nul >= 0) throw notText(file, text, nul, 'a NUL byte')
  const lineCounter = new LineCounter()
  const at = (offset: number, field: string, message: string): RunbookProblem => {
    const pos = lineCounter.linePos(offset)
    return {line: pos.line, column: pos.col, field, message}
  }
  const doc = parseBounded(text, lineCounter, (offset, message) => new RunbookError(file, [at(offset, '(yaml)', message)], {...noun, code: kind.code}))
  if (doc.errors.length > 0) {
    throw new RunbookError(file, doc.errors.slice(0, MAX_PROBLEMS).map((e) => at(e.pos[0], '(yaml)', e.message.split('\n')[0])), {omitted: doc.errors.length - MAX_PROBLEMS, ...noun, code: kind.code})
  }
  if (doc.contents === null) throw new RunbookError(file, [at(0, '(document)', `the file is empty: a ${kind.noun} is a YAML mapping that starts with 'version: 1'`)], {...noun, code: kind.code})
  const structural = checkStructure(doc, MAX_PROBLEMS)
  if (structural.length > 0) throw new RunbookError(file, structural.map((p) => at(p.offset, fieldOf(p.path), p.message)), {...noun, code: kind.code})

  // checkStructure bounded what aliases add, so yaml's own alias count (which refuses 101 uses of one anchor) is off.
  const data = doc.toJS({maxAliasCount: -1})
  const parsed = kind.schema.safeParse(data)
  if (!parsed.success) throw problemsError(file, doc, data, lineCounter, parsed.error.issues, kind)
  const problems = kind.crossCheck?.(parsed.data) ?? []
  if (problems.length > 0) throw problemsError(file, doc, data, lineCounter, problems, kind)
  return parsed.data
}

/**
 * parseDocument, bounded: stops at the first token past MAX_TOKENS or MAX_DEPTH, before the parser's time or the
 * composer's recursion grow with them. Duplicate keys are checked by checkStructure: yaml's own check is quadratic.
 */
function parseBounded(text: string, lineCounter: LineCounter, refuse: (offset: number, message: string) => Error): Document.Parsed {
  const parser = new Parser(lineCounter.addNewLine)
  lineCounter.addNewLine(0)
  function* tokens() {
    let count = 0
    for (const lexeme of new Lexer().lex(text)) {
      if (++count > MAX_TOKENS) throw refuse(parser.offset, `more than ${MAX_TOKENS.toLocaleString('en')} YAML tokens: a runbook is a few hundred lines`)
      yield* parser.next(lexeme)
      if (parser.stack.length > MAX_DEPTH) throw refuse(parser.offset, `nested more than ${MAX_DEPTH} levels deep`)
    }
    yield* parser.end()
  }
  let doc: Document.Parsed | undefined
  // The core schema even under a %YAML 1.1 directive: no merge keys, which fail late on a bad source.
  for (const next of new Composer({schema: 'core', merge: false, uniqueKeys: false}).compose(tokens(), true, text.length)) {
    if (doc) {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'a second YAML document: a runbook is one document'))
      break
    }
    doc = next
  }
  return doc!
}

interface StructuralProblem {
  offset: number
  path: Array<string | number>
  message: string
}

/**
 * Keys that are not plain values or are duplicates, aliases to nothing or to themselves, and aliases that expand the
 * document past MAX_ALIASED_VALUES.
 */
function checkStructure(doc: Document.Parsed, limit: number): StructuralProblem[] {
  const problems: StructuralProblem[] = []
  const sizes = new Map<Node, number>()
  const path: Array<string | number> = []
  let aliased = 0
  let expanded = false
  // Counts the values under a node, aliases expanded; anchors come before their aliases, so an alias's target is
  // already counted, or is still being walked when the alias sits inside the node it names.
  const walk = (node: unknown): number => {
    if (problems.length >= limit || expanded) return 0
    if (isAlias(node)) {
      const target = node.resolve(doc)
      if (!target) {
        problems.push({offset: node.range?.[0] ?? 0, path: [...path], message: `alias *${node.source} names no anchor defined before it`})
        return 0
      }
      const size = isCollection(target) ? sizes.get(target) : 1
      if (size === undefined) {
        problems.push({offset: node.range?.[0] ?? 0, path: [...path], message: `alias *${node.source} sits inside the node it names: a runbook cannot refer to itself`})
        return 0
      }
      aliased += size
      if (aliased > MAX_ALIASED_VALUES) {
        problems.push({offset: node.range?.[0] ?? 0, path: [...path], message: `aliases expand the runbook by more than ${MAX_ALIASED_VALUES.toLocaleString('en')} values`})
        expanded = true
      }
      return size
    }
    if (!isCollection(node)) return 1
    const keys = new Set<unknown>()
    let size = 1
    node.items.forEach((item, index) => {
      if (!isPair(item)) {
        path.push(index)
        size += walk(item)
        path.pop()
        return
      }
      const key = isScalar(item.key) ? item.key.value : item.key
      path.push(typeof key === 'string' || typeof key === 'number' ? key : isNode(key) ? '(key)' : String(key))
      const keyOffset = isNode(item.key) ? (item.key.range?.[0] ?? 0) : 0
      if (isCollection(isAlias(item.key) ? item.key.resolve(doc) : item.key)) problems.push({offset: keyOffset, path: [...path], message: 'a key must be a plain name, not a mapping or list'})
      else if (keys.has(key)) problems.push({offset: keyOffset, path: [...path], message: 'duplicate key'})
      keys.add(key)
      size += walk(item.key) + walk(item.value)
      path.pop()
    })
    sizes.set(node, size)
    return size
  }
  walk(doc.contents)
  return problems
}

const fieldOf = (path: ReadonlyArray<PropertyKey>) => (path.length > 0 ? path.map(String).join('.') : '(document)')

/** A problem at a path of the document, as zod reports one and as a kind's cross-checks do. */
export type Issue = Pick<z.core.$ZodIssue, 'path' | 'message'> & {code?: string; issues?: Array<{message: string}>; errors?: Issue[][]}

function problemsError(file: string, doc: Document, data: unknown, lineCounter: LineCounter, issues: Issue[], kind: YamlKind<unknown>): RunbookError {
  const told = issues.flatMap(unionBranch)
  return new RunbookError(file, told.slice(0, MAX_PROBLEMS).map((issue) => locate(doc, data, lineCounter, issue)), {omitted: told.length - MAX_PROBLEMS, noun: kind.noun, code: kind.code})
}

/**
 * A value that matches no form of a union (a reference as an ARM ID string or as a mapping) is told what is wrong
 * with the form it has: the branch whose own type it is, rather than zod's "Invalid input".
 */
function unionBranch(issue: Issue): Issue[] {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return [issue]
  const wrongType = (branch: Issue[]) => branch.some((i) => i.code === 'invalid_type' && i.path.length === 0)
  const branch = issue.errors.find((b) => b.length > 0 && !wrongType(b))
  if (!branch) return [issue]
  return branch.flatMap((i) => unionBranch({...i, path: [...issue.path, ...i.path]}))
}

/** References between sections: every region a section names must be declared under estate.regions. */
function crossCheck(rb: Runbook): Issue[] {
  const regions = new Set(Object.keys(rb.estate.regions))
  const out: Issue[] = []
  const check = (region: string, path: PropertyKey[]) => {
    if (!regions.has(region)) out.push({path, message: `region '${region}' is not declared under estate.regions (declared: ${[...regions].join(', ')})`})
  }
  const checkKeys = (map: Record<string, unknown> | undefined, path: PropertyKey[]) => {
    for (const region of Object.keys(map ?? {})) check(region, [...path, region])
  }
  checkKeys(rb.estate.steering.trafficManager?.endpoints, ['estate', 'steering', 'trafficManager', 'endpoints'])
  checkKeys(rb.estate.steering.frontDoor?.origins, ['estate', 'steering', 'frontDoor', 'origins'])
  checkKeys(rb.estate.data.postgres?.servers, ['estate', 'data', 'postgres', 'servers'])
  checkKeys(rb.estate.data.sqlFailoverGroup?.servers, ['estate', 'data', 'sqlFailoverGroup', 'servers'])
  for (const [region, spec] of Object.entries(rb.estate.regions)) {
    spec.crossRegion.forEach((c, i) => check(c.servedBy, ['estate', 'regions', region, 'crossRegion', i, 'servedBy']))
  }
  rb.estate.onPremises?.forwarders.forEach((f, i) => check(f.region, ['estate', 'onPremises', 'forwarders', i, 'region']))
  return out
}

/** Where an issue is in the file: `data` is the document as the schema saw it, to tell a missing field. */
function locate(doc: Document, data: unknown, lc: LineCounter, issue: Issue): RunbookProblem {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) as Array<string | number>
  // The deepest node that exists: a missing field is reported at its parent.
  let node: unknown
  for (let n = path.length; n >= 0 && !node; n--) {
    const found = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)
    if (isNode(found) && found.range) node = found
  }
  const missing = path.reduce<any>((value, key) => value?.[key], data) === undefined
  const offset = isNode(node) && node.range ? node.range[0] : 0
  const pos = lc.linePos(offset)
  // A record key's own rule says more than zod's "Invalid key in record".
  const message = issue.code === 'invalid_key' && issue.issues?.[0] ? issue.issues[0].message : issue.message
  return {line: pos.line, column: pos.col, field: fieldOf(path), message: missing ? 'is required but missing' : shorten(message)}
}

/** One line of at most 200 characters: an unknown-keys message can list thousands. */
const shorten = (message: string) => {
  const line = message.replace(/\s+/g, ' ')
  return line.length > 200 ? `${line.slice(0, 199)}…` : line
}
