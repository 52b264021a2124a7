// `npm run bench`: the RADIUS benchmark (radius.ts: citywifi against
// FreeRADIUS, accounting, memory), then the codec and portal benchmarks when
// they exist, each in its own process, everything printed. Not part of
// `npm test`. citywifi is measured as compiled: dist/ is rebuilt first when a
// source file is newer than it.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

const SOURCES = ['bin', 'core', 'radius', 'portal', 'admin', 'scripts', 'prisma']
const BUILT = path.join(ROOT, 'dist', 'bin', 'main.js')

function newestSource(dir: string): number {
  let newest = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) {
      if (e.name !== 'generated' && e.name !== 'node_modules') newest = Math.max(newest, newestSource(p))
    } else if (/\.(ts|prisma|sql|json|eta|css|js)$/.test(e.name)) {
      newest = Math.max(newest, fs.statSync(p).mtimeMs)
    }
  }
  return newest
}

function stale(): boolean {
  if (!fs.existsSync(BUILT)) return true
  const built = fs.statSync(BUILT).mtimeMs
  return SOURCES.some((d) => fs.existsSync(path.join(ROOT, d)) && newestSource(path.join(ROOT, d)) > built)
}

function runChild(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit' })
    const forward = (sig: NodeJS.Signals) => child.kill(sig)
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward)
      process.off('SIGTERM', forward)
      resolve(code ?? (signal ? 128 : 1))
    })
  })
}

const started = Date.now()
const results: { name: string; code: number }[] = []

if (stale()) {
  console.log('dist/ is older than the sources: npm run build')
  const code = await runChild('npm', ['run', 'build'])
  if (code !== 0) {
    console.error('the build failed: citywifi cannot be measured')
    process.exit(code)
  }
}

const benches = [
  { name: 'RADIUS (test/bench/radius.ts)', file: 'test/bench/radius.ts' },
  { name: 'codec (test/bench/codec.ts)', file: 'test/bench/codec.ts' },
  { name: 'portal (test/bench/portal.ts)', file: 'test/bench/portal.ts' },
  { name: 'statistics (test/bench/stats.ts)', file: 'test/bench/stats.ts' },
  { name: 'fold size (test/bench/fold-size.ts)', file: 'test/bench/fold-size.ts' },
  { name: 'faults (test/bench/faults.ts)', file: 'test/bench/faults.ts' },
]
// BENCH_SECTIONS (comma-separated) picks what runs: first, warm, acct,
// stats-cost (parts of the RADIUS benchmark), codec, portal, stats, fold-size, faults.
// Unset: everything.
const sections = process.env.BENCH_SECTIONS ? new Set(process.env.BENCH_SECTIONS.split(',').map((s) => s.trim())) : null
const wanted = (file: string) => {
  if (!sections) return true
  const key = path.basename(file, '.ts')
  return key === 'radius' ? ['first', 'warm', 'acct', 'stats-cost'].some((s) => sections.has(s)) : sections.has(key)
}
for (const b of benches) {
  if (!wanted(b.file)) continue
  if (!fs.existsSync(path.join(ROOT, b.file))) {
    console.log(`\n### ${b.name}: not there, skipped`)
    continue
  }
  console.log(`\n### ${b.name}\n`)
  const t = Date.now()
  const code = await runChild(process.execPath, ['--import', 'tsx', b.file])
  results.push({ name: b.name, code })
  console.log(`\n### ${b.name}: exit ${code}, ${((Date.now() - t) / 1000).toFixed(0)} s`)
}

console.log(`\n### all benchmarks: ${((Date.now() - started) / 1000).toFixed(0)} s; ${results.map((r) => `${r.name.split(' ')[0]} ${r.code === 0 ? 'ok' : `failed (exit ${r.code})`}`).join(', ')}`)
process.exit(results.some((r) => r.code !== 0) ? 1 : 0)
