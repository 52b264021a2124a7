// Portal benchmark (not part of npm test; `npm run bench` runs it after the
// RADIUS one, or alone: node --import tsx test/bench/portal.ts [--seconds 10]
// [--connections 20]). The compiled portal (`citywifi portal`, dist/) runs in
// its own process on a seeded embedded database; autocannon, in this
// process, asks for the splash page with a CoovaChilli redirect query (a
// real challenge and md checksum, so the UAM-secret check, the NAS lookup,
// the device and OTP look-ups and the rendering all run). Prints requests/s,
// latency percentiles and the bytes a phone transfers for the splash.
// --postgres runs it on a new database at TEST_DATABASE_URL's server instead
// of the embedded one (created, migrated with `citywifi migrate`, dropped).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { createContext } from '../../core/bootstrap.js'
import { loadConfig } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import { FakeCoovaChilli } from '../fakes/coovachilli.js'
import { seedSite, UAM_SECRET } from '../portal/setup.js'

interface Histogram {
  average: number
  stddev: number
  p50: number
  p90: number
  p99: number
  max: number
  total: number
}
interface AutocannonResult {
  requests: Histogram
  latency: Histogram
  throughput: Histogram
  '2xx': number
  non2xx: number
  errors: number
  timeouts: number
}
// autocannon ships no types: the little of it used here, typed here.
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: { url: string; connections: number; duration: number }) => Promise<AutocannonResult>

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..')
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '20' }, postgres: { type: 'boolean', default: false } } })
const seconds = Number(values.seconds)
const connections = Number(values.connections)
const PORT = 18000 + Math.floor(Math.random() * 1000)

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-bench-'))
const env: Record<string, string> = { CITYWIFI_DATA_DIR: dataDir, LISTEN_HOST: '127.0.0.1', PORTAL_PORT: String(PORT), LOG_LEVEL: 'warn', CITYWIFI_SEED_DEMO: 'false' }
const childEnv = () => ({ PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...env })
const adminUrl = process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/test'
const pgName = `citywifi_bench_portal_${process.pid}`
async function admin(sql: string) {
  const c = new pg.Client({ connectionString: adminUrl })
  await c.connect()
  try {
    await c.query(sql)
  } finally {
    await c.end()
  }
}
if (values.postgres) {
  await admin(`CREATE DATABASE ${pgName}`)
  const u = new URL(adminUrl)
  u.pathname = `/${pgName}`
  env.DATABASE_URL = u.toString()
  const migrate = spawn(process.execPath, [path.join(ROOT, 'bin', 'citywifi.js'), 'migrate'], { env: childEnv(), stdio: ['ignore', 'ignore', 'inherit'] })
  if ((await new Promise((r) => migrate.once('exit', r))) !== 0) throw new Error('citywifi migrate failed')
}

// Seed: one site with its policy and links, one CoovaChilli NAS with a UAM secret.
{
  const ctx = await createContext(loadConfig({ ...env }), createLogger('warn'), { role: 'owner' })
  await seedSite(ctx, { vendor: 'coovachilli', nasName: 'bench-chilli' })
  await ctx.db.close()
}

if (!fs.existsSync(path.join(ROOT, 'dist', 'bin', 'main.js'))) throw new Error('dist/ is missing: npm run build')
const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'citywifi.js'), 'portal'], { env: childEnv(), stdio: ['ignore', 'inherit', 'inherit'] })
const stop = async () => {
  if (child.exitCode === null) {
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
  }
  fs.rmSync(dataDir, { recursive: true, force: true })
  if (values.postgres) await admin(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`)
}

try {
  const base = `http://127.0.0.1:${PORT}`
  const deadline = Date.now() + 30_000
  while (!(await fetch(`${base}/healthz`).then((r) => r.ok).catch(() => false))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('the portal did not start')
    await new Promise((r) => setTimeout(r, 200))
  }
  // A chilli that only makes the redirect URL (its UAM port is never asked).
  const chilli = await new FakeCoovaChilli({ portalUrl: `${base}/`, nasId: 'bench-chilli', uamSecret: UAM_SECRET, radius: { host: '127.0.0.1', port: 9, secret: 'unused-secret-000' }, clientMac: 'AA-BB-CC-DD-EE-42' }).start()
  const url = chilli.redirectUrl('notyet', { userurl: 'http://example.org/' })
  await chilli.close()

  // What a phone transfers for the splash: the page, its stylesheet and logo.
  const page = await fetch(url)
  if (page.status !== 200) throw new Error(`the splash answered ${page.status}`)
  const html = await page.text()
  const assets = [...html.matchAll(/(?:href|src)="(\/(?:static|logo)\/[^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'))
  const sizes = [['page (HTML)', Buffer.byteLength(html)] as [string, number]]
  for (const a of assets) sizes.push([a.split('?')[0]!, (await (await fetch(base + a)).arrayBuffer()).byteLength])
  const total = sizes.reduce((n, [, b]) => n + b, 0)

  await autocannon({ url, connections, duration: 2 }) // warm-up
  const r = await autocannon({ url, connections, duration: seconds })
  const line = (k: string, v: string) => console.log(`${k.padEnd(34)} ${v}`)
  console.log(`portal splash (${values.postgres ? 'PostgreSQL' : 'embedded database'}), CoovaChilli redirect with md, ${connections} connections, ${seconds} s, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'})`)
  line('requests/s (mean ± sd)', `${r.requests.average.toFixed(0)} ± ${r.requests.stddev.toFixed(0)}`)
  line('latency p50 / p90 / p99 / max (ms)', `${r.latency.p50} / ${r.latency.p90} / ${r.latency.p99} / ${r.latency.max}`)
  line('responses 2xx / other / errors', `${r['2xx']} / ${r.non2xx} / ${r.errors + r.timeouts}`)
  line('bytes per response (with headers)', `${Math.round(r.throughput.total / Math.max(1, r.requests.total))}`)
  for (const [name, bytes] of sizes) line(`  ${name}`, `${bytes} B`)
  line('splash transferred (page + assets)', `${total} B (${(total / 1024).toFixed(1)} KB; budget 30 KB)`)
  if (r.non2xx || r.errors || total >= 30 * 1024) process.exitCode = 1
} finally {
  await stop()
}
