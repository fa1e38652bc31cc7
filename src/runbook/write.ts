// Writes a runbook file from data: a YAML document in the style of runbooks/demo.yaml (resource references inline,
// a comment before the fields a reader must check), validated by the same loader that reads runbooks.
import {dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Document, type Node, isMap, isPair, isScalar, isSeq} from 'yaml'
import type {z} from 'zod'
import type {Estate} from './estate.ts'

export interface RunbookComment {
  /** where it goes: the comment sits above the key at this path ([] for the top of the file) */
  path: Array<string | number>
  text: string
}

export interface RunbookSource {
  name: string
  estate: z.input<typeof Estate>
  comments: RunbookComment[]
}

const SCHEMA = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schema', 'runbook.schema.json')
const WIDTH = 118

/** The runbook as YAML text, commented; `file` is where it will live (the schema reference is relative to it). */
export function runbookText(source: RunbookSource, file: string | undefined): string {
  const doc = new Document({version: 1, name: source.name, estate: source.estate})
  // References to one resource read best on one line, as in the demo runbook.
  for (const region of Object.keys(source.estate.regions)) {
    const refs = doc.getIn(['estate', 'regions', region, 'privateEndpoints'], true)
    if (isSeq(refs)) for (const item of refs.items) if (isMap(item)) item.flow = true
  }
  for (const path of [['estate', 'data', 'postgres', 'servers'], ['estate', 'data', 'sqlFailoverGroup', 'servers']]) {
    const servers = doc.getIn(path, true)
    if (isMap(servers)) for (const pair of servers.items) if (isMap(pair.value)) pair.value.flow = true
  }
  const schema = relative(file ? dirname(file) : process.cwd(), SCHEMA)
  doc.commentBefore = wrap(`yaml-language-server: $schema=${schema}`)
  for (const c of source.comments) {
    if (c.path.length === 0) doc.commentBefore = `${doc.commentBefore}\n${wrap(c.text)}`
    else addCommentBefore(doc, c.path, c.text)
  }
  return doc.toString({lineWidth: 0, flowCollectionPadding: false})
}

/** Puts `text` above the key at `path` (after any comment already there). */
function addCommentBefore(doc: Document, path: Array<string | number>, text: string): void {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true)
  const key = path[path.length - 1]
  let node: Node | undefined
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key)
    node = pair && isScalar(pair.key) ? pair.key : undefined
  } else if (isSeq(parent) && typeof key === 'number') {
    node = parent.items[key] as Node | undefined
  }
  if (!node) throw new Error(`no runbook field at ${path.join('.')} to comment`)
  node.commentBefore = node.commentBefore ? `${node.commentBefore}\n${wrap(text)}` : wrap(text)
}

/** A comment's lines, each at most WIDTH columns (yaml puts '#' before each). */
function wrap(text: string): string {
  const lines: string[] = []
  for (const paragraph of text.split('\n')) {
    let line = ''
    for (const word of paragraph.split(' ')) {
      if (line && line.length + word.length + 1 > WIDTH) {
        lines.push(line)
        line = ''
      }
      line = line ? `${line} ${word}` : word
    }
    lines.push(line)
  }
  return lines.map((l) => ` ${l}`).join('\n')
}
