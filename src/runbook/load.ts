// Loads a runbook file: YAML parse, schema validation, cross-references; every error names file, line and field.
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {type Document, LineCounter, isNode, parseDocument} from 'yaml'
import type {z} from 'zod'
import {InputError} from '../errors.ts'
import {Runbook} from './schema.ts'

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

export class RunbookError extends InputError {
  readonly file: string
  readonly problems: RunbookProblem[]

  constructor(file: string, problems: RunbookProblem[]) {
    const shown = relative(process.cwd(), file) || file
    super(
      'InvalidRunbook',
      `${shown} is not a valid runbook:\n` + problems.map((p) => `  ${shown}:${p.line}:${p.column} ${p.field}: ${p.message}`).join('\n'),
      `Fix the fields named above; 'azfail lint ${shown}' checks the file without touching Azure.`,
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

export function loadRunbook(file: string): LoadedRunbook {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error: any) {
    throw new InputError('RunbookNotFound', `Cannot read runbook ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}.`)
  }
  return parseRunbook(text, file)
}

export function parseRunbook(text: string, file: string): LoadedRunbook {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true})
  if (doc.errors.length > 0) {
    throw new RunbookError(file, doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0])
      return {line: pos.line, column: pos.col, field: '(yaml)', message: e.message.split('\n')[0]}
    }))
  }
  const parsed = Runbook.safeParse(doc.toJS())
  if (!parsed.success) throw new RunbookError(file, parsed.error.issues.map((issue) => locate(doc, lineCounter, issue)))
  const problems = crossCheck(parsed.data).map(({path, message}) => locate(doc, lineCounter, {path, message} as any))
  if (problems.length > 0) throw new RunbookError(file, problems)
  return {file, runbook: parsed.data}
}

/** References between sections: every steering entry and data-tier server must name a declared region. */
function crossCheck(rb: Runbook): Array<{path: PropertyKey[]; message: string}> {
  const regions = new Set(Object.keys(rb.estate.regions))
  const out: Array<{path: PropertyKey[]; message: string}> = []
  const check = (map: Record<string, unknown> | undefined, path: PropertyKey[]) => {
    for (const region of Object.keys(map ?? {})) {
      if (!regions.has(region)) out.push({path: [...path, region], message: `region '${region}' is not declared under estate.regions (declared: ${[...regions].join(', ')})`})
    }
  }
  check(rb.estate.steering.trafficManager?.endpoints, ['estate', 'steering', 'trafficManager', 'endpoints'])
  check(rb.estate.steering.frontDoor?.origins, ['estate', 'steering', 'frontDoor', 'origins'])
  check(rb.estate.data.postgres?.servers, ['estate', 'data', 'postgres', 'servers'])
  check(rb.estate.data.sqlFailoverGroup?.servers, ['estate', 'data', 'sqlFailoverGroup', 'servers'])
  return out
}

function locate(doc: Document, lc: LineCounter, issue: Pick<z.core.$ZodIssue, 'path' | 'message'>): RunbookProblem {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) as Array<string | number>
  // The deepest node that exists: a missing field is reported at its parent.
  let node: unknown
  for (let n = path.length; n >= 0 && !node; n--) {
    const found = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)
    if (isNode(found) && found.range) node = found
  }
  const offset = isNode(node) && node.range ? node.range[0] : 0
  const pos = lc.linePos(offset)
  const field = path.length > 0 ? path.join('.') : '(document)'
  const message = /received undefined$/.test(issue.message) ? 'is required but missing' : issue.message
  return {line: pos.line, column: pos.col, field, message}
}
