#!/usr/bin/env node
// Node's on-disk compile cache (Node >= 22.1) makes every start after the first much cheaper: the Azure SDK
// packages are large. It is a no-op where unavailable.
import module from 'node:module'

module.enableCompileCache?.()
const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
