// The statistics benchmark (issue #11): 10 million sessions over a year at
// 200 sites, generated in PostgreSQL with generate_series (one statement per
// million, not row by row) together with the StatsPending rows accounting
// leaves, then folded by the server's own fold (core/stats/fold.ts); then
// the compiled admin app (`citywifi admin`) answers GET /api/v1/stats/usage
// with a Bearer token, for one site and all sites over a day (by hour), a
// month (by day) and a year (by month), and the PDF report for a month when
// it exists. Prints load times and latency percentiles.
//   node --import tsx test/bench/stats.ts
// Environment: BENCH_STATS_SESSIONS (10000000), BENCH_STATS_DEVICES (150000),
// BENCH_STATS_REQUESTS (30 per query), BENCH_STATS_KEEP=1 (keep the loaded
// database citywifi_bench_stats and reuse it next time), BENCH_STATS_REUSE=1
// (measure the kept database as it is), BENCH_STATS_FOLD_SECONDS (stop folding
// after that long), BENCH_STATS_FOLD_BATCH (1000000 changes per fold
// transaction), BENCH_STATS_DAYS (365), BENCH_STATS_STEPS=1 (each fold
// transaction's steps), BENCH_STATS_MONTH (06), BENCH_DATABASE_URL.
// Through npm: BENCH_SECTIONS=stats npm run bench
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { createContext } from '../../core/bootstrap.js'
import { loadConfig } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import { createApiToken } from '../../core/services/tokens.js'
import { foldStats } from '../../core/stats/fold.js'
import { BENCH_DATABASE_URL, ROOT } from './citywifi-server.js'
import { freePort } from '../helpers/free-port.js'
import { int, ms, run, sleep, startChild, table } from './proc.js'

const SESSIONS = Number(process.env.BENCH_STATS_SESSIONS ?? 10_000_000)
const DEVICES = Number(process.env.BENCH_STATS_DEVICES ?? 150_000)
const SITES = 200
// BENCH_STATS_DAYS: spread the sessions over the first N days of the year (365): a smaller load as dense as the full one.
const DAYS = Number(process.env.BENCH_STATS_DAYS ?? 365)
const REQUESTS = Number(process.env.BENCH_STATS_REQUESTS ?? 30)
const KEEP = process.env.BENCH_STATS_KEEP === '1'
const DB_NAME = 'citywifi_bench_stats'
const TZ = 'Asia/Ho_Chi_Minh'
const YEAR = 2025
const CHUNK = 1_000_000
// BENCH_STATS_FOLD_SECONDS: stop folding after this long and measure what is folded.
const FOLD_BATCH = Number(process.env.BENCH_STATS_FOLD_BATCH ?? 1_000_000)
const FOLD_LIMIT_S = Number(process.env.BENCH_STATS_FOLD_SECONDS ?? Infinity)

const log = (s: string) => console.log(s)
/** Seconds per fold step over the whole load (core/stats/fold.ts names them). */
const foldSteps: Record<string, number> = {}
/** Changes folded by this run (fewer than the sessions when BENCH_STATS_FOLD_SECONDS stopped it). */
let foldedTotal = 0

function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

// Sessions spread over the local year; each device comes three times on a
// day (sessions j, j + third, j + 2·third of that day, hours apart), mostly
// at its home site, one session in five somewhere else.
const GENERATE = `
WITH g AS (
  SELECT i, i / $3::bigint AS day, i % $3::bigint AS j,
    (i * 2654435761) % 4294967296 AS h1, (i * 40503 + 12345) % 65536 AS h2, (i * 69069 + 1) % 4294967296 AS h3
  FROM generate_series($1::bigint, $2::bigint - 1) AS i),
s AS (
  SELECT i, h1, h2, h3,
    ((j % (($3::bigint + 2) / 3)) * 7 + day * 7919) % $4::bigint + 1 AS device,
    $5::timestamp + make_interval(secs => i::float8 * $6::float8 / $7::float8 + (h1 % 600)) AS started,
    60 + (h1 % 3540)::int AS secs
  FROM g),
t AS (
  SELECT i, device, started, secs,
    CASE WHEN h2 % 5 = 0 THEN (h3 % ${SITES}) + 1 ELSE (device % ${SITES}) + 1 END::int AS site,
    (ARRAY['click_through','click_through','click_through','click_through','otp','otp','voucher','mac','mac','mac'])[(h3 % 10) + 1]::"LoginMethod" AS method
  FROM s),
ins AS (
  INSERT INTO "Session" ("nasId", "acctSessionId", "siteId", "username", "deviceId", "method", "startedAt", "updatedAt", "stoppedAt",
    "sessionSeconds", "inputOctets", "outputOctets", "closeReason", "authorized")
  SELECT site, 'b' || i, site, 'bench', device::int, method, started, started + make_interval(secs => secs), started + make_interval(secs => secs),
    secs, secs::bigint * 1200, secs::bigint * 9000, 'stop', true
  FROM t
  RETURNING id, "siteId", "stoppedAt", "inputOctets", "outputOctets")
INSERT INTO "StatsPending" ("sessionId", "siteId", "hour", "inputOctets", "outputOctets")
SELECT id, "siteId", date_trunc('hour', "stoppedAt"), "inputOctets", "outputOctets" FROM ins`

async function load(pool: pg.Pool): Promise<{ generateS: number; foldS: number }> {
  const c = await pool.connect()
  try {
    // Loading only: a crash would mean loading again.
    await c.query('SET synchronous_commit = off')
    const t0 = Date.now()
    await c.query(`INSERT INTO "Policy" (name, "updatedAt") VALUES ('bench', now())`)
    await c.query(`INSERT INTO "Site" (name, "updatedAt") SELECT 'Điểm WiFi ' || g, now() FROM generate_series(1, ${SITES}) g`)
    await c.query(
      `INSERT INTO "AccessPoint" ("siteId", name, address, "secretEnc", "updatedAt") SELECT g, 'nas-' || g, '10.' || (g / 256) || '.' || (g % 256) || '.1', 'x', now() FROM generate_series(1, ${SITES}) g`,
    )
    await c.query(
      `INSERT INTO "Device" (mac, "firstSeenAt", "lastSeenAt") SELECT upper(regexp_replace(lpad(to_hex(g), 12, '0'), '(..)(?!$)', '\\1-', 'g')), now(), now() FROM generate_series(1, $1::int) g`,
      [DEVICES],
    )
    const startUtc = new Date(`${YEAR}-01-01T00:00:00+07:00`).toISOString().replace('T', ' ').replace('Z', '')
    const yearSeconds = DAYS * 86_400 - 4 * 3600
    const perDay = Math.ceil(SESSIONS / DAYS)
    // A bulk load, as a restore would do it: Session's secondary indexes are
    // built once after the rows are in, and its foreign keys (to sites, access
    // points and devices generated just above) are not checked row by row.
    // The statistics tables keep all their indexes: the fold writes them as
    // the server does.
    const indexes = (
      await c.query<{ name: string; def: string }>(
        `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = 'Session' AND indexname <> 'Session_pkey'`,
      )
    ).rows
    for (const i of indexes) await c.query(`DROP INDEX "${i.name}"`)
    await c.query('SET session_replication_role = replica')
    for (let lo = 0; lo < SESSIONS; lo += CHUNK) {
      const hi = Math.min(SESSIONS, lo + CHUNK)
      const t = Date.now()
      await c.query(GENERATE, [lo, hi, perDay, DEVICES, startUtc, yearSeconds, SESSIONS])
      log(`  sessions ${int(hi)} / ${int(SESSIONS)} (${((Date.now() - t) / 1000).toFixed(1)} s)`)
    }
    await c.query('SET session_replication_role = DEFAULT')
    const ti = Date.now()
    await c.query(`SET maintenance_work_mem = '1GB'`)
    for (const i of indexes) await c.query(i.def)
    log(`  Session's ${indexes.length} secondary indexes built in ${((Date.now() - ti) / 1000).toFixed(1)} s`)
    await c.query('ANALYZE')
    const generateS = (Date.now() - t0) / 1000
    log(`  generated in ${generateS.toFixed(0)} s`)
    return { generateS, foldS: await foldAll(pool, c) }
  } finally {
    c.release()
  }
}

/** Folds every pending change with the server's fold, 250,000 at a time; returns the seconds taken. */
async function foldAll(pool: pg.Pool, c: pg.PoolClient): Promise<number> {
  {
    const t1 = Date.now()
    let folded = 0
    for (;;) {
      const t = Date.now()
      if ((Date.now() - t1) / 1000 > FOLD_LIMIT_S) {
        log(`  stopped folding after ${FOLD_LIMIT_S} s (BENCH_STATS_FOLD_SECONDS): the rest stays pending`)
        break
      }
      const steps: Record<string, number> = {}
      const r = await foldStats(pool, TZ, new Date(), { batch: FOLD_BATCH, maxRounds: 1, horizon: null, steps })
      if (!r.changes) break
      folded += r.changes
      log(`  folded ${int(folded)}: ${int(r.parts)} session-hours, ${int(r.hours)} site-hours (${((Date.now() - t) / 1000).toFixed(1)} s)`)
      for (const [k, v] of Object.entries(steps)) foldSteps[k] = (foldSteps[k] ?? 0) + v
      if (process.env.BENCH_STATS_STEPS === '1') log(`    ${Object.entries(steps).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}`)
    }
    const foldS = (Date.now() - t1) / 1000
    log(`  folded in ${foldS.toFixed(0)} s; by step (s): ${Object.entries(foldSteps).map(([k, v]) => `${k} ${(v / 1000).toFixed(0)}`).join(', ')}`)
    // What the readers plan with (sampled: quick whatever the size).
    await c.query('ANALYZE "StatsHourly", "StatsDuration", "StatsDurationDaily", "StatsUnique", "StatsDevicePeriod", "StatsFirstSeen", "StatsAuthHourly", "StatsLinkHourly"')
    foldedTotal += folded
    return foldS
  }
}

interface Timing {
  query: string
  p50: number
  p95: number
  max: number
  bytes: number
  status: number
}

async function measure(url: string, token: string, label: string, n = REQUESTS): Promise<Timing> {
  const once = async () => {
    const t = performance.now()
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
    const body = Buffer.from(await res.arrayBuffer())
    return { ms: performance.now() - t, status: res.status, bytes: body.length }
  }
  for (let i = 0; i < 3; i++) await once()
  const times: number[] = []
  let last = { status: 0, bytes: 0 }
  for (let i = 0; i < n; i++) {
    const r = await once()
    times.push(r.ms)
    last = r
  }
  times.sort((a, b) => a - b)
  const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!
  return { query: label, p50: at(0.5), p95: at(0.95), max: times[times.length - 1]!, bytes: last.bytes, status: last.status }
}

async function main() {
  const admin = new pg.Client({ connectionString: BENCH_DATABASE_URL })
  await admin.connect()
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME])).rowCount
  const url = withDatabase(BENCH_DATABASE_URL, DB_NAME)
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cws-'))
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATABASE_URL: url,
    CITYWIFI_DATA_DIR: dataDir,
    CITYWIFI_TIMEZONE: TZ,
    CITYWIFI_SEED_DEMO: 'false',
    LISTEN_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  }
  let reuse = false
  // BENCH_STATS_REUSE=1: measure whatever the kept database holds (a load stopped early, say).
  if (exists && process.env.BENCH_STATS_REUSE === '1') reuse = true
  else if (exists && KEEP) {
    const probe = new pg.Client({ connectionString: url })
    await probe.connect()
    const n = Number((await probe.query<{ n: string }>('SELECT count(*) AS n FROM "Session"').catch(() => ({ rows: [{ n: '0' }] }))).rows[0]!.n)
    const pending = Number((await probe.query<{ n: string }>('SELECT count(*) AS n FROM "StatsPending"').catch(() => ({ rows: [{ n: '1' }] }))).rows[0]!.n)
    await probe.end()
    reuse = n === SESSIONS && pending === 0
    log(reuse ? `reusing ${DB_NAME}: ${int(n)} sessions, folded` : `${DB_NAME} holds ${int(n)} sessions: loading again`)
  }
  if (!reuse) {
    if (exists) await admin.query(`DROP DATABASE ${DB_NAME} WITH (FORCE)`)
    await admin.query(`CREATE DATABASE ${DB_NAME}`)
  }
  await admin.end()
  let loadTimes: { generateS: number; foldS: number } | undefined
  if (reuse) {
    // A kept database with changes still pending (a load stopped while folding): fold them first.
    const pool = new pg.Pool({ connectionString: url, max: 2 })
    const c = await pool.connect()
    const pending = Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM "StatsPending"')).rows[0]!.n)
    if (pending) {
      log(`== folding the ${int(pending)} changes still pending in ${DB_NAME} ==`)
      loadTimes = { generateS: NaN, foldS: await foldAll(pool, c) }
    }
    c.release()
    await pool.end()
  }
  if (!reuse) {
    await run(process.execPath, ['bin/citywifi.js', 'migrate'], { cwd: ROOT, env })
    log(`== loading ${int(SESSIONS)} sessions, ${SITES} sites, ${int(DEVICES)} devices into ${DB_NAME} ==`)
    const pool = new pg.Pool({ connectionString: url, max: 2 })
    loadTimes = await load(pool)
    await pool.end()
  }

  const sizes = new pg.Client({ connectionString: url })
  await sizes.connect()
  const tableSizes = (
    await sizes.query<{ name: string; rows: string; size: string }>(
      `SELECT relname AS name, reltuples::bigint::text AS rows, pg_size_pretty(pg_total_relation_size(oid)) AS size FROM pg_class
       WHERE relkind = 'r' AND (relname LIKE 'Stats%' OR relname = 'Session') ORDER BY pg_total_relation_size(oid) DESC`,
    )
  ).rows
  await sizes.end()

  // A viewer's token, and the compiled admin app on its own.
  const ctx = await createContext(loadConfig(env), createLogger('warn', process.stderr), { role: 'client' })
  const { token } = await createApiToken(ctx.db.prisma, { name: 'bench', role: 'viewer' }, 'bench')
  await ctx.db.close()
  const port = await freePort()
  const app = startChild(process.execPath, ['bin/citywifi.js', 'admin'], { cwd: ROOT, env: { ...env, ADMIN_PORT: String(port) } })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    if (i > 300) throw new Error(`the admin app did not start:\n${app.output()}`)
    const ok = await fetch(`${base}/healthz`).then((r) => r.ok).catch(() => false)
    if (ok) break
    await sleep(100)
  }
  const rows: Timing[] = []
  try {
    const site = 17
    // BENCH_STATS_MONTH (06): the month (and its 15th) asked for; a partly folded load needs an early one.
    const mm = process.env.BENCH_STATS_MONTH ?? '06'
    const last = new Date(Date.UTC(YEAR, Number(mm), 0)).getUTCDate()
    const queries: [string, string][] = [
      ['one site, a day by hour', `site=${site}&from=${YEAR}-${mm}-15&to=${YEAR}-${mm}-15&interval=hour`],
      ['all sites, a day by hour', `from=${YEAR}-${mm}-15&to=${YEAR}-${mm}-15&interval=hour`],
      ['one site, a month by day', `site=${site}&from=${YEAR}-${mm}-01&to=${YEAR}-${mm}-${last}&interval=day`],
      ['all sites, a month by day', `from=${YEAR}-${mm}-01&to=${YEAR}-${mm}-${last}&interval=day`],
      ['one site, a year by month', `site=${site}&from=${YEAR}-01-01&to=${YEAR}-12-31&interval=month`],
      ['all sites, a year by month', `from=${YEAR}-01-01&to=${YEAR}-12-31&interval=month`],
    ]
    for (const [label, q] of queries) {
      const r = await measure(`${base}/api/v1/stats/usage?${q}`, token, label)
      rows.push(r)
      log(`  ${label}: p50 ${ms(r.p50)} ms, p95 ${ms(r.p95)} ms (HTTP ${r.status}, ${int(r.bytes)} bytes)`)
    }
    const pdf = await measure(`${base}/api/v1/stats/report.pdf?site=${site}&from=${YEAR}-${mm}-01&to=${YEAR}-${mm}-${last}&lang=vi`, token, 'PDF, one site, a month', 5)
    if (pdf.status === 200) rows.push(pdf)
    else log(`  PDF report: HTTP ${pdf.status} (not there yet)`)
    const sample = await fetch(`${base}/api/v1/stats/usage?from=${YEAR}-01-01&to=${YEAR}-12-31&interval=month`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json())
    log(`  all sites, ${YEAR}: ${JSON.stringify(sample.totals)}`)
  } finally {
    await app.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }

  log(`\n== statistics: ${int(SESSIONS)} sessions over ${YEAR}, ${SITES} sites, ${int(DEVICES)} devices (PostgreSQL ${DB_NAME}) ==`)
  if (loadTimes) log(`load: generated in ${loadTimes.generateS.toFixed(0)} s, folded by core/stats/fold.ts in ${loadTimes.foldS.toFixed(0)} s (${int(foldedTotal)} changes, ${int(foldedTotal / loadTimes.foldS)}/s)`)
  log(table(['table', 'rows', 'size'], tableSizes.map((t) => [t.name, int(Number(t.rows)), t.size])))
  log(table(['GET (viewer token, sequential)', 'p50 ms', 'p95 ms', 'max ms', 'bytes', 'target'], rows.map((r) => [r.query, ms(r.p50), ms(r.p95), ms(r.max), int(r.bytes), r.query.startsWith('PDF') ? `< 2000 ms: ${r.p95 < 2000 ? 'met' : 'MISSED'}` : `p95 < 200 ms: ${r.p95 < 200 ? 'met' : 'MISSED'}`])))
  if (!KEEP) {
    const a = new pg.Client({ connectionString: BENCH_DATABASE_URL })
    await a.connect()
    await a.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`)
    await a.end()
  }
  const missed = rows.some((r) => (r.query.startsWith('PDF') ? r.p95 >= 2000 : r.p95 >= 200))
  process.exit(missed ? 1 : 0)
}

await main()
