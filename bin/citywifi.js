#!/usr/bin/env node
// Runs the compiled program (npm install compiles it into dist/).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const compiled = fileURLToPath(new URL('../dist/bin/main.js', import.meta.url))
if (!existsSync(compiled)) {
  process.stderr.write('citywifi: dist/ is missing: run `npm install` (or `npm run build`) in the citywifi folder first\n')
  process.exit(1)
}
await import(compiled)
