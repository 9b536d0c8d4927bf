#!/usr/bin/env -S node --expose-gc --max-semi-space-size=1024 --min-semi-space-size=64 --no-memory-reducer
// The compiled CLI in this one process (no npm, sh or tsx in between): what a service should run.
// Build it first with `npm run build`.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const cli = new URL('../dist/src/cli.js', import.meta.url)
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('shoal: dist/ is missing; run `npm run build` first (or use `npm run shoal -- <command>` from source)\n')
  process.exit(2)
}
await import(cli.href)
