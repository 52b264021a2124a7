// The RADIUS benchmark: citywifi (embedded database and PostgreSQL) against
// FreeRADIUS (Debian's package, files module) with one load generator
// (radius-load.ts), then accounting throughput; prints a table, the ratios
// and the targets. test/bench/run.ts runs it; alone:
//   node --import tsx test/bench/radius.ts
// Environment: BENCH_SECONDS (Access-Request window, default 30), BENCH_WARMUP (3), BENCH_ACCT_SECONDS (10),
// BENCH_DB (embedded,postgres), BENCH_DATABASE_URL (default TEST_DATABASE_URL
// or postgresql://postgres@127.0.0.1:5432/test), BENCH_JSON (write the
// results there too), BENCH_QUIET_CORES (0.15: wait while other processes
// use more), BENCH_FREERADIUS (/usr/sbin/freeradius), BENCH_NODE_ARGS.
import fs from 'node:fs'
import os from 'node:os'
import {
  launchCitywifi,
  postgresProblem,
  postgresVersion,
  prepareDatabase,
  SECRET,
  type CitywifiUnderTest,
  type DbKind,
  type PreparedDatabase,
} from './citywifi-server.js'
import { DEBIAN_THREADS, freeradiusVersion, startFreeRadius, type FreeRadiusUnderTest } from './freeradius.js'
import { int, ms, ratio, table, waitForQuiet } from './proc.js'
import { accountingRequests, authRequests, describeResult, eachUserOnce, runLoad, type LoadResult, type RequestSpec } from './radius-load.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3)
const ACCT_SECONDS = Number(process.env.BENCH_ACCT_SECONDS ?? 10)
const QUIET_CORES = Number(process.env.BENCH_QUIET_CORES ?? 0.15)
const DBS = (process.env.BENCH_DB ?? 'embedded,postgres').split(',').map((s) => s.trim()) as DbKind[]
// BENCH_NODE_ARGS: extra node options for citywifi (e.g. --trace-gc with BENCH_SHOW_OUTPUT=1).
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)
const USERS = 10_000
const FRESH = 500
const LEVELS = [8, 64] as const
const ACCT_OUTSTANDING = 256
const HOT_USERS = 100
const TIMEOUT_MS = 2000

type ServerName = 'FreeRADIUS' | 'citywifi embedded' | 'citywifi PostgreSQL'

interface Row {
  server: ServerName
  test: string
  outstanding: number
  result: LoadResult
}

interface Memory {
  server: ServerName
  idle: number
  afterAuth: number
  afterAcct?: number
}

const rows: Row[] = []
const memory: Memory[] = []
const notes: string[] = []
const commitStats = new Map<ServerName, { commits: number; perCommit: number; msPerCommit: number }>()

const log = (line: string) => console.log(line)

async function quiet(what: string, ours: () => number) {
  const others = await waitForQuiet(ours, {
    maxCores: QUIET_CORES,
    limitMs: 15_000,
    onWait: (busy) => log(`  … other processes keep ${busy.toFixed(2)} cores busy: waiting up to 15 s for a quieter machine before ${what}`),
  })
  if (others >= QUIET_CORES) {
    const note = `other processes used ${others.toFixed(2)} cores just before ${what}: its figures are not clean`
    notes.push(note)
    log(`  ! ${note}`)
  }
}

async function measure(
  server: ServerName,
  test: string,
  port: number,
  secret: string,
  outstanding: number,
  next: () => RequestSpec | undefined,
  cpu: () => number,
  opts: { warmup?: number; seconds?: number; onWindow?: (edge: 'start' | 'end') => void } = {},
) {
  await quiet(`${server} ${test} at ${outstanding}`, cpu)
  const result = await runLoad({
    port,
    secret,
    outstanding,
    warmupSeconds: opts.warmup ?? WARMUP,
    seconds: opts.seconds ?? SECONDS,
    timeoutMs: TIMEOUT_MS,
    next,
    serverCpu: cpu,
    onWindow: opts.onWindow,
  })
  rows.push({ server, test, outstanding, result })
  log(`  ${describeResult(`${test}`, result)}`)
  return result
}

// ---- FreeRADIUS ----

async function benchFreeRadius(codes: string[]) {
  const version = freeradiusVersion()
  log(`\n== FreeRADIUS (${version}) ==`)
  const next = authRequests(codes)
  let fr: FreeRadiusUnderTest
  try {
    fr = await startFreeRadius({ secret: SECRET, codes, probe: authRequests(codes)(), threads: DEBIAN_THREADS, maxRequests: 16384, cleanupDelay: 5 })
  } catch (err) {
    notes.push(`FreeRADIUS could not be measured: ${(err as Error).message.split('\n')[0]}`)
    log(`  ! ${(err as Error).message}`)
    return
  }
  try {
    log(`  ${fr.settings}; RSS ${fr.rss().toFixed(0)} MiB idle`)
    const idle = fr.rss()
    for (const n of LEVELS) await measure('FreeRADIUS', 'Access-Request', fr.port, SECRET, n, next, fr.cpu)
    memory.push({ server: 'FreeRADIUS', idle, afterAuth: fr.rss() })
  } finally {
    await fr.stop()
  }
}

// ---- citywifi ----

async function benchCitywifi(db: PreparedDatabase) {
  const server: ServerName = db.kind === 'embedded' ? 'citywifi embedded' : 'citywifi PostgreSQL'
  log(`\n== ${server} ==`)
  const started = Date.now()
  const cw: CitywifiUnderTest = await launchCitywifi(db, { nodeArgs: NODE_ARGS })
  log(`  started in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${cw.pid}, RADIUS_WORKERS=${db.env.RADIUS_WORKERS}); RSS ${cw.rss().toFixed(0)} MiB idle (all its processes)`)
  const idle = cw.rss()
  try {
    // First logins: vouchers never used, each binding its device (a database write).
    await measure(server, `first logins (${FRESH} new vouchers)`, db.authPort, db.secret, 64, eachUserOnce(db.fresh, USERS), cw.cpu, { warmup: 0, seconds: 600 })
    // Every known user once: citywifi reads each voucher and device (its cache is empty).
    await measure(server, `each user once (cache empty)`, db.authPort, db.secret, 64, eachUserOnce(db.codes), cw.cpu, { warmup: 0, seconds: 600 })
    const next = authRequests(db.codes)
    for (const n of LEVELS) await measure(server, 'Access-Request', db.authPort, db.secret, n, next, cw.cpu)
    // Diagnostic: the same path with every user in the cache (no database at all).
    await measure(server, `Access-Request, ${HOT_USERS} users (all cached)`, db.authPort, db.secret, 64, authRequests(db.codes.slice(0, HOT_USERS)), cw.cpu, { seconds: 10 })
    const afterAuth = cw.rss()
    // PostgreSQL counts its WAL flushes, one per durable commit: records per commit and the
    // time one takes (the writer runs one transaction at a time).
    const commits: Promise<number>[] = []
    const acct = await measure(server, 'Accounting-Request', db.acctPort, db.secret, ACCT_OUTSTANDING, accountingRequests(db.codes, `b${Date.now().toString(36)}`), cw.cpu, {
      warmup: 2,
      seconds: ACCT_SECONDS,
      onWindow: db.walSyncs ? () => commits.push(db.walSyncs!().catch(() => NaN)) : undefined,
    })
    if (commits.length === 2) {
      const [c0, c1] = await Promise.all(commits)
      const n = c1! - c0!
      commitStats.set(server, { commits: n, perCommit: acct.acks / n, msPerCommit: (acct.seconds * 1000) / n })
      log(`  ${int(n / acct.seconds)} WAL flushes/s in the window (whole cluster): ${(acct.acks / n).toFixed(0)} records per flush, one every ${((acct.seconds * 1000) / n).toFixed(1)} ms`)
    }
    memory.push({ server, idle, afterAuth, afterAcct: cw.rss() })
  } finally {
    const code = await cw.stop()
    if (code !== '0') {
      notes.push(`${server} exited with ${code} on SIGTERM`)
      log(`  ! exited with ${code} on SIGTERM; its last output:\n${cw.child.output().slice(-3000)}`)
    }
    const errors = cw.child
      .output()
      .split('\n')
      .filter((l) => /"level":(50|60)/.test(l))
    if (errors.length) {
      const first = errors[0]!.match(/"msg":"([^"]*)"/)?.[1]
      const why = errors[0]!.match(/"message":"([^"]*)"/)?.[1]
      notes.push(`${server} logged ${errors.length} error lines during the run, e.g. "${first}"${why ? `: ${why}` : ''}`)
    }
  }
}

// ---- Summary ----

function find(server: ServerName, test: string, outstanding: number) {
  return rows.find((r) => r.server === server && r.test === test && r.outstanding === outstanding)?.result
}

function printSummary() {
  const errors = (r: LoadResult) => r.timeouts + r.badReplies + r.unexpected
  const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : '–')
  log(`\n== Access-Request: PAP + Message-Authenticator, ${int(USERS)} users cycled (own Calling-Station-Id each), every reply verified ==`)
  log(`   ${SECONDS} s measured after ${WARMUP} s warm-up; 4 sockets; timeout ${TIMEOUT_MS} ms, no retransmission; CPU in cores (server: citywifi + its PostgreSQL backends)`)
  const fr = (n: number) => find('FreeRADIUS', 'Access-Request', n)
  const out: string[][] = []
  for (const r of rows.filter((r) => r.test !== 'Accounting-Request')) {
    const base = r.test === 'Access-Request' ? fr(r.outstanding) : undefined
    const vs = base && r.server !== 'FreeRADIUS'
    out.push([
      r.server,
      r.test,
      String(r.outstanding),
      int(r.result.perSecond),
      ms(r.result.p50),
      ms(r.result.p99),
      ms(r.result.p999),
      String(errors(r.result)),
      pct(r.result.serverCpu),
      pct(r.result.generatorCpu),
      pct(r.result.otherCpu),
      vs ? ratio(r.result.perSecond / base.perSecond) : '',
      vs ? ratio(r.result.p99 / base.p99) : '',
    ])
  }
  log(table(['server', 'test', 'out', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'errors', 'server', 'gen.', 'others', 'req/s vs FR', 'p99 vs FR'], out))

  log(`\n== Accounting-Request: Start, Interim-Update, Stop for ${int(USERS)} sessions at a time, ${ACCT_OUTSTANDING} outstanding, acknowledged after commit ==`)
  log(`   ${ACCT_SECONDS} s measured after 2 s warm-up`)
  log(
    table(
      ['server', 'records/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'errors', 'server', 'gen.', 'others', 'records/WAL flush', 'ms/WAL flush'],
      rows
        .filter((r) => r.test === 'Accounting-Request')
        .map((r) => {
          const c = commitStats.get(r.server)
          return [
            r.server,
            int(r.result.acks / r.result.seconds),
            ms(r.result.p50),
            ms(r.result.p99),
            ms(r.result.p999),
            String(errors(r.result)),
            pct(r.result.serverCpu),
            pct(r.result.generatorCpu),
            pct(r.result.otherCpu),
            c ? c.perCommit.toFixed(0) : '–',
            c ? c.msPerCommit.toFixed(1) : '–',
          ]
        }),
    ),
  )

  log('\n== Memory (VmRSS, MiB) ==')
  log(table(['server', 'idle', 'after Access-Requests', 'after accounting'], memory.map((m) => [m.server, m.idle.toFixed(0), m.afterAuth.toFixed(0), m.afterAcct ? m.afterAcct.toFixed(0) : '–'])))

  log('\n== Targets ==')
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : 'MISSED')
  for (const server of ['citywifi embedded', 'citywifi PostgreSQL'] as const) {
    const c64 = find(server, 'Access-Request', 64)
    const f64 = fr(64)
    const ok = c64 && f64 ? c64.perSecond >= f64.perSecond && errors(c64) === 0 : undefined
    log(`${server}: throughput at 64 outstanding ≥ 1.0× FreeRADIUS: ${c64 && f64 ? ratio(c64.perSecond / f64.perSecond) : '–'} — ${verdict(ok)}`)
    for (const n of LEVELS) {
      const c = find(server, 'Access-Request', n)
      const f = fr(n)
      log(`${server}: p99 at ${n} outstanding ≤ FreeRADIUS's: ${c && f ? `${ms(c.p99)} vs ${ms(f.p99)} ms` : '–'} — ${verdict(c && f ? c.p99 <= f.p99 && errors(c) === 0 : undefined)}`)
    }
  }
  const acct = find('citywifi PostgreSQL', 'Accounting-Request', ACCT_OUTSTANDING)
  log(
    `citywifi PostgreSQL: accounting ≥ 20,000 records/s acknowledged after commit: ${acct ? int(acct.acks / acct.seconds) : '–'}/s — ${verdict(acct ? acct.acks / acct.seconds >= 20_000 && errors(acct) === 0 : undefined)}`,
  )
  if (notes.length) {
    log('\n== Notes ==')
    for (const n of notes) log(`- ${n}`)
  }
}

async function main() {
  const cpus = os.cpus()
  log('== RADIUS benchmark ==')
  log(`machine: ${cpus.length} × ${cpus[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  log(`node ${process.version}`)
  const frVersion = freeradiusVersion()
  log(`FreeRADIUS: ${frVersion ?? 'not installed (sudo bash scripts/install-test-deps.sh): citywifi is measured alone, without ratios'}`)
  if (!frVersion) notes.push('freeradius is not installed (sudo bash scripts/install-test-deps.sh): no FreeRADIUS figures, no ratios')
  let kinds = DBS
  if (kinds.includes('postgres')) {
    const problem = await postgresProblem()
    if (problem) {
      log(`PostgreSQL: ${problem}; skipping the PostgreSQL runs`)
      notes.push(problem)
      kinds = kinds.filter((k) => k !== 'postgres')
    } else {
      log(`PostgreSQL: ${await postgresVersion()}`)
    }
  }

  // The first database's vouchers are FreeRADIUS's users too.
  const prepared = new Map<DbKind, PreparedDatabase>()
  try {
    for (const kind of kinds) {
      const t = Date.now()
      prepared.set(kind, await prepareDatabase(kind, { vouchers: USERS, freshVouchers: FRESH }))
      log(`seeded the ${kind} database (site, policy, NAS, ${int(USERS)} vouchers bound to their devices, ${FRESH} unused) in ${((Date.now() - t) / 1000).toFixed(1)} s`)
    }
    const first = prepared.values().next().value
    if (frVersion) {
      if (first) await benchFreeRadius(first.codes)
      else notes.push('no citywifi database could be prepared, so FreeRADIUS had no users')
    }
    for (const db of prepared.values()) await benchCitywifi(db)
  } finally {
    for (const db of prepared.values()) await db.remove()
  }
  printSummary()
  if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify({ rows, memory, notes, seconds: SECONDS, warmup: WARMUP, acctSeconds: ACCT_SECONDS }, null, 2))
}

await main()
