#!/usr/bin/env -S node --max-semi-space-size=4
// The flag above: a short-lived CLI does not need V8's 16 MB young generation; 4 MB keeps peak memory down at equal
// speed. Node's on-disk compile cache (Node >= 22.1) makes every start after the first cheaper: the Azure SDK
// packages are large.
import module from 'node:module'

module.enableCompileCache?.()
const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
