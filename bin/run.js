#!/usr/bin/env -S node --max-semi-space-size=4
// The flag above: a short-lived CLI does not need V8's 16 MB young generation; 4 MB keeps peak memory down at equal
// speed. Node's on-disk compile cache (Node >= 22.1) makes every start after the first cheaper: the Azure SDK
// packages are large.
import module from 'node:module'

// An older Node gets a sentence, not a stack or a half-working run (package.json's engines say the same).
const NEEDED = 22
if (Number(process.versions.node.split('.')[0]) < NEEDED) {
  process.stderr.write(`azfail: this is Node.js ${process.versions.node}; azfail needs Node.js ${NEEDED} or later.\n  next: Install Node.js ${NEEDED} or 24 (nodejs.org, nvm, or your package manager), then run azfail again.\n`)
  process.exit(1)
}

module.enableCompileCache?.()
const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
