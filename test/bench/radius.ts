// The RADIUS benchmark, with one load generator (radius-load.ts) pinned to
// one core (taskset), first logins first: FreeRADIUS+SQL (rlm_sql on the same
// PostgreSQL, with and without its post-auth insert) right before citywifi,
// every code used once (the lists are sized from a short probe of the peer),
// for vouchers on new devices, one-time portal credentials and MAC logins of
// consented devices, and accounting Starts for sessions the process did not
// log in; then the warm cache per core against FreeRADIUS-files (each server
// pinned to the core the generator does not use, the servers alternated in
// rounds, the idle ones waiting), then accounting
// throughput; prints tables, the ratios and the targets. test/bench/run.ts
// runs it; alone:
//   node --import tsx test/bench/radius.ts
// Environment: BENCH_SECONDS (Access-Request window, default 30), BENCH_WARMUP (3), BENCH_ACCT_SECONDS (10),
// BENCH_DB (embedded,postgres), BENCH_DATABASE_URL (default TEST_DATABASE_URL
// or postgresql://postgres@127.0.0.1:5432/test), BENCH_JSON (write the
// results there too), BENCH_QUIET_CORES (0.15: wait while other processes
// use more), BENCH_FREERADIUS (/usr/sbin/freeradius), BENCH_NODE_ARGS,
// BENCH_FIRST_SECONDS (first-login window, default 10), BENCH_FIRST_LOGINS
// (codes per kind; default sized from the probe), BENCH_SECTIONS
// (first,warm,acct,stats-cost: which parts run; stats-cost without warm:
// only the statistics' cost windows), BENCH_STATS_COST_ROUNDS (2),
// BENCH_STATS_COST_SECONDS (20), BENCH_STATS_COST_ON_SECONDS (240),
// BENCH_STATS_COST_ON_WARMUP (60), BENCH_STATS_COST_OFF_WARMUP (2),
// BENCH_STATS_COST_SIDES (off,on; add inserts to split the rows' writing
// from the fold), BENCH_PG_MAX_WAL_SIZE (stats-cost only: the PostgreSQL
// server's max_wal_size for the run, e.g. 8GB, set with ALTER SYSTEM and
// reset afterwards), BENCH_STATS_COST_HISTORY (stats-cost only: closed
// sessions of the past loaded before the windows, default 2,000,000; 0: none),
// BENCH_OUTPUT_DIR (keep each citywifi's output there), BENCH_WARM_ROUNDS (3:
// the warm runs' rounds, BENCH_SECONDS split between them).
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import pg from 'pg'
import {
  BENCH_DATABASE_URL,
  launchCitywifi,
  postgresProblem,
  postgresVersion,
  prepareDatabase,
  SECRET,
  type CitywifiUnderTest,
  type DbKind,
  type PreparedDatabase,
} from './citywifi-server.js'
import { forkProber, type Prober } from './prober.js'
import { DEBIAN_THREADS, freeradiusVersion, prepareFreeRadiusSql, startFreeRadius, type FreeRadiusSqlDatabase, type FreeRadiusUnderTest } from './freeradius.js'
import { FOLD_LOCK, foldStats, SERVICE_FOLD_BATCH } from '../../core/stats/fold.js'
import { int, ms, pin, pinGenerator, processTree, ProcessGroupCpu, ratio, table, threadCpuSeconds, type ThreadCpu, waitForQuiet } from './proc.js'
import {
  accountingRequests,
  accountingStarts,
  authRequests,
  CONSENTED_MACS,
  CREDENTIAL_MACS,
  describeResult,
  eachUserOnce,
  loginsOnce,
  runLoad,
  type LoadResult,
  type ProbeResult,
  type Login,
  type RequestSpec,
} from './radius-load.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3)
const ACCT_SECONDS = Number(process.env.BENCH_ACCT_SECONDS ?? 10)
const QUIET_CORES = Number(process.env.BENCH_QUIET_CORES ?? 0.15)
const DBS = (process.env.BENCH_DB ?? 'embedded,postgres').split(',').map((s) => s.trim()) as DbKind[]
// BENCH_NODE_ARGS: extra node options for citywifi (e.g. --trace-gc with BENCH_SHOW_OUTPUT=1).
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)
const USERS = 10_000
const LEVELS = [8, 64] as const
const ACCT_OUTSTANDING = 256
const HOT_USERS = 100
// Warm runs alternate the servers (all started, the idle ones waiting) in this many
// rounds of BENCH_SECONDS / rounds each: one core of these machines drifts by ±30% over minutes,
// so a ratio is only as good as the peer measured beside it.
const WARM_ROUNDS = Math.max(1, Number(process.env.BENCH_WARM_ROUNDS ?? 3))
const TIMEOUT_MS = 2000
const FIRST_SECONDS = Number(process.env.BENCH_FIRST_SECONDS ?? 10)
const FIRST_WARMUP = 1
const FIRST_OUTSTANDING = 64
const SECTIONS = new Set((process.env.BENCH_SECTIONS ?? 'first,warm,acct,stats-cost').split(',').map((s) => s.trim()))
// The generator on the last core, servers pinned for per-core figures on the first.
const CPUS = os.cpus().length
const GENERATOR_CPU = CPUS - 1
const SERVER_CPU = '0'
let pinned = false

type ServerName = 'FreeRADIUS' | 'FreeRADIUS+SQL' | 'FreeRADIUS+SQL post-auth' | 'citywifi embedded' | 'citywifi PostgreSQL'

// First-login rows (test names), in the order printed.
const FIRST_VOUCHER = 'first logins: vouchers on new devices'
const FIRST_CREDENTIAL = 'first logins: one-time portal credentials'
const FIRST_MAC = 'first logins: MAC logins of consented devices'
const FIRST_PEER = 'first logins: radcheck users'
const STARTS_UNSEEN = 'Accounting Starts, sessions not logged in here'
const STATS_OFF = 'Accounting-Request, statistics rollups off'
const STATS_ON = 'Accounting-Request, statistics rollups on'
const STATS_INSERTS = 'Accounting-Request, statistics rows written, fold held'

interface Row {
  server: ServerName
  test: string
  outstanding: number
  result: LoadResult
  /** Warm runs: the round (1…WARM_ROUNDS); the row without one pools the rounds. */
  round?: number
}

interface Memory {
  server: ServerName
  idle: number
  afterAuth: number
  afterAcct?: number
}

const rows: Row[] = []
// Status-Server and cached users asked during each embedded first-login window (issue #13 target 2).
const probes = new Map<string, ProbeResult>()
const PROBE_USERS = 100
const PROBE_RATE = 200
const PROBE_P99_MS = 5

function describeProbe(p: ProbeResult): string {
  return Object.entries(p.kinds)
    .map(([kind, k]) => `${kind} ${int(k.answered)} answered, p50 ${ms(k.p50)} ms, p99 ${ms(k.p99)} ms, max ${ms(k.max)} ms, ${k.timeouts} timeouts${k.rejects ? `, ${k.rejects} rejects` : ''}`)
    .join('; ')
}

/** Whether every probed kind stayed under PROBE_P99_MS at p99, with no timeout or reject. */
const probeOk = (p: ProbeResult) => Object.values(p.kinds).length === 2 && Object.values(p.kinds).every((k) => k.p99 < PROBE_P99_MS && k.timeouts === 0 && k.rejects === 0)
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
  opts: { warmup?: number; seconds?: number; onWindow?: (edge: 'start' | 'end') => void; round?: number; named?: boolean } = {},
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
  rows.push({ server, test, outstanding, result, round: opts.round })
  // The warm runs take turns: their lines name the server.
  log(`  ${describeResult(opts.round ? `${server}, ${test}, round ${opts.round}` : opts.named ? `${server}, ${test}` : test, result)}`)
  return result
}

// ---- Warm cache per core, alternated ----

/** A server of the warm runs: where to ask it, and which processes to pin. */
interface WarmServer {
  server: ServerName
  port: number
  secret: string
  cpu: () => number
  pids: () => number[]
  next: () => RequestSpec | undefined
  hot: string[]
}

/** One row for the rounds of a server at a level: requests pooled over the windows, latencies the rounds' median. */
function pooled(results: LoadResult[]): LoadResult {
  const sum = (f: (r: LoadResult) => number) => results.reduce((a, r) => a + f(r), 0)
  const median = (f: (r: LoadResult) => number) => {
    const v = results.map(f).sort((x, y) => x - y)
    return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2
  }
  const seconds = sum((r) => r.seconds)
  const weighted = (f: (r: LoadResult) => number) => sum((r) => f(r) * r.seconds) / seconds
  const first = results[0]!
  return {
    ...first,
    seconds,
    completed: sum((r) => r.completed),
    perSecond: sum((r) => r.completed) / seconds,
    p50: median((r) => r.p50),
    p99: median((r) => r.p99),
    p999: median((r) => r.p999),
    max: Math.max(...results.map((r) => r.max)),
    mean: sum((r) => r.mean * r.completed) / sum((r) => r.completed),
    accepts: sum((r) => r.accepts),
    rejects: sum((r) => r.rejects),
    acks: sum((r) => r.acks),
    otherCodes: sum((r) => r.otherCodes),
    badReplies: sum((r) => r.badReplies),
    unexpected: sum((r) => r.unexpected),
    timeouts: sum((r) => r.timeouts),
    withMessageAuthenticator: sum((r) => r.withMessageAuthenticator),
    verified: sum((r) => r.verified),
    sent: sum((r) => r.sent),
    generatorCpu: weighted((r) => r.generatorCpu),
    serverCpu: weighted((r) => r.serverCpu),
    otherCpu: weighted((r) => r.otherCpu),
    interruptCpu: weighted((r) => r.interruptCpu),
    window: [first.window[0], results[results.length - 1]!.window[1]],
  }
}

/** A server's warm rounds at a level, in the order measured. */
const roundsOf = (server: ServerName, outstanding: number) => rows.filter((r) => r.server === server && r.test === 'Access-Request' && r.outstanding === outstanding && r.round !== undefined)

/** FreeRADIUS's row beside this one: the same round, or the pooled row for a pooled one. */
const peerOf = (r: Row) => rows.find((p) => p.server === 'FreeRADIUS' && p.test === r.test && p.outstanding === r.outstanding && p.round === r.round)?.result

/**
 * FreeRADIUS-files and each citywifi started together, every citywifi's cache
 * filled (each user once), then, per level, WARM_ROUNDS rounds in which each
 * server in turn gets the generator while the others idle (their periodic
 * jobs show as "others"; stopping them with SIGSTOP made their database
 * connections time out on waking). Odd rounds go FreeRADIUS first, even
 * rounds last, so that a drift during a round weighs on both sides alike.
 * Then the accounting runs, one citywifi at a time.
 */
async function benchWarm(dbs: PreparedDatabase[], frVersion: string | undefined) {
  const servers: WarmServer[] = []
  const citywifis: { server: ServerName; db: PreparedDatabase; cw: CitywifiUnderTest; idle: number }[] = []
  let fr: FreeRadiusUnderTest | undefined
  let frIdle = 0
  try {
    if (frVersion && dbs[0]) {
      const codes = dbs[0].codes
      log(`\n== FreeRADIUS (${frVersion}) ==`)
      try {
        const started = await startFreeRadius({ secret: SECRET, codes, probe: authRequests(codes)(), threads: DEBIAN_THREADS, maxRequests: 16384, cleanupDelay: 5 })
        fr = started
        log(`  ${started.settings}; RSS ${started.rss().toFixed(0)} MiB idle`)
        frIdle = started.rss()
        servers.push({ server: 'FreeRADIUS', port: started.port, secret: SECRET, cpu: started.cpu, pids: () => [started.pid], next: authRequests(codes), hot: codes.slice(0, HOT_USERS) })
      } catch (err) {
        notes.push(`FreeRADIUS could not be measured: ${(err as Error).message.split('\n')[0]}`)
        log(`  ! ${(err as Error).message}`)
      }
    } else if (frVersion) {
      notes.push('no citywifi database could be prepared, so FreeRADIUS had no users')
    }
    for (const db of dbs) {
      const server: ServerName = db.kind === 'embedded' ? 'citywifi embedded' : 'citywifi PostgreSQL'
      log(`\n== ${server} ==`)
      const started = Date.now()
      const cw: CitywifiUnderTest = await launchCitywifi(db, { nodeArgs: NODE_ARGS })
      log(`  started in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${cw.pid}, RADIUS_WORKERS=${db.env.RADIUS_WORKERS}); RSS ${cw.rss().toFixed(0)} MiB idle (all its processes)`)
      citywifis.push({ server, db, cw, idle: cw.rss() })
      // Every known user once: citywifi reads each voucher and device (its cache is empty).
      await measure(server, `each user once (cache empty)`, db.authPort, db.secret, 64, eachUserOnce(db.codes), cw.cpu, { warmup: 0, seconds: 600 })
      servers.push({ server, port: db.authPort, secret: db.secret, cpu: cw.cpu, pids: () => processTree(cw.pid), next: authRequests(db.codes), hot: db.codes.slice(0, HOT_USERS) })
    }
    const perCore = pinned && servers.every((s) => pin(s.pids(), SERVER_CPU))
    log(`\n== Warm cache: ${servers.map((s) => s.server).join(', ')} in turn, ${WARM_ROUNDS} rounds of ${SECONDS / WARM_ROUNDS} s after ${WARMUP} s per level${perCore ? `, each pinned to core ${SERVER_CPU} (citywifi PostgreSQL's database is not: every user is cached)` : ''}; the others idle meanwhile ==`)
    for (const n of LEVELS) {
      for (let round = 1; round <= WARM_ROUNDS; round++) {
        const order = round % 2 ? servers : [...servers].reverse()
        for (const s of order) await measure(s.server, 'Access-Request', s.port, s.secret, n, s.next, s.cpu, { seconds: SECONDS / WARM_ROUNDS, round })
      }
      for (const s of servers) {
        const results = roundsOf(s.server, n).map((r) => r.result)
        if (results.length) rows.push({ server: s.server, test: 'Access-Request', outstanding: n, result: pooled(results) })
      }
    }
    // Diagnostic: the same path with every user in the cache (no database at all).
    for (const s of servers) await measure(s.server, `Access-Request, ${HOT_USERS} users (all cached)`, s.port, s.secret, 64, authRequests(s.hot), s.cpu, { seconds: 10, named: true })
    if (perCore) for (const s of servers) pin(s.pids(), `0-${CPUS - 1}`)
    if (fr) {
      memory.push({ server: 'FreeRADIUS', idle: frIdle, afterAuth: fr.rss() })
      await fr.stop()
      fr = undefined
    }
    while (citywifis.length) {
      const c = citywifis.shift()!
      try {
        await citywifiAccounting(c.server, c.db, c.cw, c.idle)
      } finally {
        await stopCitywifi(c.server, c.cw)
      }
    }
  } finally {
    await fr?.stop()
    for (const c of citywifis) await stopCitywifi(c.server, c.cw)
  }
}

// ---- First logins ----

/** Accepted logins per second in the window: a reject is not a login. */
const acceptsPerSecond = (r: LoadResult) => r.accepts / r.seconds

/**
 * A short run of FreeRADIUS+SQL over a few users, cycled: how many first
 * logins a window will need, so that no code is used twice.
 */
async function probeFirstLoginRate(sql: FreeRadiusSqlDatabase): Promise<number> {
  const codes = Array.from({ length: 2000 }, (_, i) => `probe${i.toString(36).padStart(6, '0')}`)
  await sql.addUsers(codes)
  const fr = await startFreeRadius({ secret: SECRET, codes, probe: authRequests(codes)(), sql: { database: sql, postAuth: false } })
  try {
    const r = await runLoad({ port: fr.port, secret: SECRET, outstanding: FIRST_OUTSTANDING, warmupSeconds: 1, seconds: 3, timeoutMs: TIMEOUT_MS, next: authRequests(codes) })
    return acceptsPerSecond(r)
  } finally {
    await fr.stop()
  }
}

// The user FreeRADIUS+SQL is asked for as it starts: none of the measured codes is used twice.
const PEER_PROBE_USER = 'startup-probe'

/** FreeRADIUS+SQL, without and with the stock post-auth insert: each code once; then accounting Starts. */
async function benchFreeRadiusSql(sql: FreeRadiusSqlDatabase, codes: string[], startCodes: string[]) {
  await sql.addUsers([PEER_PROBE_USER])
  const dbCpu = new ProcessGroupCpu(new RegExp(`^postgres: [^\\0]* ${sql.name} `))
  dbCpu.track()
  for (const postAuth of [false, true]) {
    const server: ServerName = postAuth ? 'FreeRADIUS+SQL post-auth' : 'FreeRADIUS+SQL'
    log(`\n== ${server} (${freeradiusVersion()}) ==`)
    let fr: FreeRadiusUnderTest
    try {
      fr = await startFreeRadius({ secret: SECRET, codes, probe: authRequests([PEER_PROBE_USER])(), sql: { database: sql, postAuth } })
    } catch (err) {
      notes.push(`${server} could not be measured: ${(err as Error).message.split('\n')[0]}`)
      log(`  ! ${(err as Error).message}`)
      continue
    }
    try {
      log(`  ${fr.settings}`)
      const cpu = () => fr.cpu() + dbCpu.total()
      const logins: Login[] = codes.map((c, j) => ({ username: c, password: c, mac: USERS + j }))
      await measure(server, FIRST_PEER, fr.port, SECRET, FIRST_OUTSTANDING, loginsOnce(logins), cpu, { warmup: FIRST_WARMUP, seconds: FIRST_SECONDS })
      if (!postAuth && SECTIONS.has('acct')) {
        await measure(server, STARTS_UNSEEN, fr.acctPort, SECRET, ACCT_OUTSTANDING, accountingStarts(startCodes, `s${Date.now().toString(36)}`), cpu, { warmup: 1, seconds: ACCT_SECONDS })
      }
    } finally {
      await fr.stop()
    }
  }
  dbCpu.untrack()
  const written = await sql.counts()
  log(`  FreeRADIUS+SQL wrote ${int(written.postauth)} radpostauth and ${int(written.radacct)} radacct rows`)
}

/** citywifi's first logins, each kind once per code, in a process that has answered nobody yet; then Starts it did not log in. */
async function benchCitywifiFirst(db: PreparedDatabase) {
  const server: ServerName = db.kind === 'embedded' ? 'citywifi embedded' : 'citywifi PostgreSQL'
  log(`\n== ${server}: first logins ==`)
  const cw = await launchCitywifi(db, { nodeArgs: NODE_ARGS })
  let prober: Prober | undefined
  try {
    log(`  pid ${cw.pid}; ${int(db.fresh.length)} new vouchers, ${int(db.credentials.length)} one-time credentials, ${int(db.consented.length)} consented devices`)
    // Issue #13 target 2: the embedded server on one core (every thread of it,
    // PGlite's worker included; threads started later inherit it), the
    // generator on the other; and while the storm runs, a paced prober asks
    // Status-Server and users already in the cache, who must not wait for the database.
    if (db.kind === 'embedded') {
      if (pinned && pin(processTree(cw.pid), SERVER_CPU)) log(`  pinned to core ${SERVER_CPU} (every thread), generator on core ${GENERATOR_CPU}`)
      const hot = db.codes.slice(0, PROBE_USERS)
      const r = await runLoad({ port: db.authPort, secret: db.secret, outstanding: 8, warmupSeconds: 0, seconds: 60, timeoutMs: TIMEOUT_MS, next: eachUserOnce(hot) })
      log(`  ${int(r.accepts)} of ${hot.length} probe users logged in once (now cached)`)
      prober = await forkProber({ port: db.authPort, secret: db.secret, rate: PROBE_RATE, timeoutMs: TIMEOUT_MS, users: hot })
      log(`  prober: its own process (pid ${prober.pid}) on the generator's core`)
    }
    const o = { warmup: FIRST_WARMUP, seconds: FIRST_SECONDS }
    const storm = async (test: string, next: () => RequestSpec | undefined) => {
      if (!prober) return measure(server, test, db.authPort, db.secret, FIRST_OUTSTANDING, next, cw.cpu, o)
      const p = prober
      let started: Promise<void> | undefined
      let done: Promise<ProbeResult> | undefined
      // Where the one core's time goes: RADIUS's thread, the database's, the rest (V8's GC helpers).
      let threads: ThreadCpu | undefined
      let window = 0
      const onWindow = (edge: 'start' | 'end') => {
        if (edge === 'start') {
          started = p.start()
          threads = threadCpuSeconds(cw.pid)
          window = performance.now()
        } else {
          done = started!.then(() => p.stop())
          const end = threadCpuSeconds(cw.pid)
          const secs = (performance.now() - window) / 1000
          if (threads) threads = { main: (end.main - threads.main) / secs, database: (end.database - threads.database) / secs, other: (end.other - threads.other) / secs }
        }
      }
      const result = await measure(server, test, db.authPort, db.secret, FIRST_OUTSTANDING, next, cw.cpu, { ...o, onWindow })
      const probed = await done
      if (probed) {
        probes.set(`${server}|${test}`, probed)
        log(`    during it: ${describeProbe(probed)}`)
      }
      if (threads) log(`    CPU by thread: RADIUS ${pct(threads.main)}, database ${pct(threads.database)}, others ${pct(threads.other)}`)
      return result
    }
    await storm(FIRST_VOUCHER, loginsOnce(db.fresh.map((c, j) => ({ username: c, password: c, mac: USERS + j }))))
    const creds = db.credentials.map((c, j) => ({ username: c.username, password: c.password, mac: CREDENTIAL_MACS + j }))
    await storm(FIRST_CREDENTIAL, loginsOnce(creds))
    // CoovaChilli's MAC authentication: User-Name the MAC, its macpasswd "password".
    const macs = db.consented.map((m, j) => ({ username: m, password: 'password', mac: CONSENTED_MACS + j }))
    await storm(FIRST_MAC, loginsOnce(macs))
    if (SECTIONS.has('acct')) {
      await measure(server, STARTS_UNSEEN, db.acctPort, db.secret, ACCT_OUTSTANDING, accountingStarts(db.codes, `s${Date.now().toString(36)}`), cw.cpu, { warmup: 1, seconds: ACCT_SECONDS })
    }
  } finally {
    prober?.close()
    await stopCitywifi(server, cw)
  }
}

async function stopCitywifi(server: ServerName, cw: CitywifiUnderTest) {
  const code = await cw.stop()
  // BENCH_OUTPUT_DIR: each citywifi's whole output kept there (with BENCH_NODE_ARGS=--trace-gc, say).
  if (process.env.BENCH_OUTPUT_DIR) fs.writeFileSync(`${process.env.BENCH_OUTPUT_DIR}/${server.replace(/\W+/g, '-')}-${cw.pid}.log`, cw.child.output())
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

// ---- citywifi ----

/** After the warm runs: accounting throughput (and the statistics' cost) on a citywifi already running. */
async function citywifiAccounting(server: ServerName, db: PreparedDatabase, cw: CitywifiUnderTest, idle: number) {
  const afterAuth = cw.rss()
  if (!SECTIONS.has('acct')) {
    memory.push({ server, idle, afterAuth })
    return
  }
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
  if (db.env.DATABASE_URL && SECTIONS.has('stats-cost')) await statisticsCost(server, db, cw)
  memory.push({ server, idle, afterAuth, afterAcct: cw.rss() })
}

// The statistics' cost windows (BENCH_SECTIONS=stats-cost runs only these, on PostgreSQL).
const COST_ROUNDS = Number(process.env.BENCH_STATS_COST_ROUNDS ?? 2)
const COST_SECONDS = Number(process.env.BENCH_STATS_COST_SECONDS ?? 20)
// "On" windows are longer: they must hold the fold's runs (up to FOLD_MAX_WAIT_MS apart) to show their cost;
// and they start after the fold has found its pace (its first runs after an idle spell come sooner).
const COST_ON_SECONDS = Number(process.env.BENCH_STATS_COST_ON_SECONDS ?? 240)
const COST_ON_WARMUP = Number(process.env.BENCH_STATS_COST_ON_WARMUP ?? 60)
// Off windows as long as on ones (BENCH_STATS_COST_SECONDS=240 BENCH_STATS_COST_OFF_WARMUP=60) see as
// many checkpoints, and the full-page images after them: short ones mostly fall between two.
const COST_OFF_WARMUP = Number(process.env.BENCH_STATS_COST_OFF_WARMUP ?? 2)
// A city's database holds months of sessions: accounting's index writes then miss PostgreSQL's
// buffers from the first record. Without them, a new database's accounting slows by a third or
// more over the run as its tables outgrow the buffers, a drift the off windows must interpolate.
const COST_HISTORY = Number(process.env.BENCH_STATS_COST_HISTORY ?? 2_000_000)
type CostSide = 'off' | 'inserts' | 'on'
const COST_SIDES = (process.env.BENCH_STATS_COST_SIDES ?? 'off,on').split(',').map((s) => s.trim()) as CostSide[]

/** citywifi on PostgreSQL for the statistics' cost alone: one accounting window to warm it, then the alternated windows. */
async function benchStatisticsCost(db: PreparedDatabase) {
  const server: ServerName = 'citywifi PostgreSQL'
  log(`\n== ${server}: statistics' cost on accounting ==`)
  // Debug: the service logs each fold's steps (nothing else at debug on the accounting path).
  if (COST_HISTORY > 0) await loadHistory(db, COST_HISTORY)
  const cw = await launchCitywifi({ ...db, env: { ...db.env, LOG_LEVEL: 'debug' } }, { nodeArgs: NODE_ARGS })
  try {
    await measure(server, 'Accounting-Request (warming up)', db.acctPort, db.secret, ACCT_OUTSTANDING, accountingRequests(db.codes, `w${Date.now().toString(36)}`), cw.cpu, { warmup: 2, seconds: ACCT_SECONDS })
    // Analysed while the history had no open session, Session's statistics say none is ever open
    // (a voucher's open sessions are read by voucher all the same: test/core/open-sessions-plan.test.ts);
    // analysed again with the warm-up's sessions open, as autovacuum would find a busy day.
    if (COST_HISTORY > 0) await withClient(db.env.DATABASE_URL!, (c) => c.query('ANALYZE "Session"'))
    await statisticsCost(server, db, cw)
    printFolds(cw.child.output())
  } finally {
    await stopCitywifi(server, cw)
  }
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

/**
 * `n` closed sessions of the 60 days before the fold's horizon, spread evenly at the bench's NAS,
 * in one statement (no statistics pending: they are history, folded long ago), then vacuumed,
 * analysed and checkpointed, so that the windows start from a database in its steady state.
 */
async function loadHistory(db: PreparedDatabase, n: number) {
  const t = performance.now()
  await withClient(db.env.DATABASE_URL!, async (c) => {
    await c.query(
      `INSERT INTO "Session" ("nasId", "siteId", "acctSessionId", "username", "method", "startedAt", "updatedAt", "stoppedAt",
         "sessionSeconds", "inputOctets", "outputOctets", "closeReason", "authorized")
       SELECT a.id, a."siteId", 'h' || to_hex(i * 2654435761 % 4294967296) || '-' || i, 'h' || (i % 50000), 'click_through',
         s.at, s.at + interval '20 minutes', s.at + interval '20 minutes', 1200, 3000000, 20000000, 'stop', true
       FROM (SELECT id, "siteId" FROM "AccessPoint" ORDER BY id LIMIT 1) a,
         generate_series(1, $1::bigint) i,
         LATERAL (SELECT (now() AT TIME ZONE 'UTC') - interval '62 days' + make_interval(secs => (i * 5184000 / $1::bigint)::float8) AS at) s`,
      [n],
    )
    await c.query('VACUUM ANALYZE "Session"')
    await c.query('CHECKPOINT')
    const size = (await c.query<{ s: string }>(`SELECT pg_size_pretty(pg_total_relation_size('"Session"')) AS s`)).rows[0]!.s
    log(`  history: ${int(n)} closed sessions of the past loaded (Session with its indexes ${size}) in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  })
}

/**
 * The server's max_wal_size for the length of fn (undefined: as it is). A
 * server-wide setting (no session may change it): reset when fn ends, however it ends.
 */
async function withMaxWalSize<T>(size: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (!size) return fn()
  const c = new pg.Client({ connectionString: BENCH_DATABASE_URL })
  await c.connect()
  // Interrupted (proc.ts exits on SIGINT and SIGTERM), the finally below would not run; 'exit' handlers still do.
  const resetNow = () => {
    try {
      execFileSync('psql', [BENCH_DATABASE_URL, '-qc', 'ALTER SYSTEM RESET max_wal_size', '-c', 'SELECT pg_reload_conf()'], { stdio: 'ignore' })
    } catch {
      console.error('! could not reset max_wal_size: run ALTER SYSTEM RESET max_wal_size; SELECT pg_reload_conf();')
    }
  }
  process.on('exit', resetNow)
  try {
    const show = async () => (await c.query<{ max_wal_size: string }>('SHOW max_wal_size')).rows[0]!.max_wal_size
    const before = await show()
    // ALTER SYSTEM takes no parameters; the value is checked by the server, quoted here.
    await c.query(`ALTER SYSTEM SET max_wal_size = '${size.replace(/'/g, "''")}'`)
    await c.query('SELECT pg_reload_conf()')
    await new Promise((r) => setTimeout(r, 500))
    log(`  PostgreSQL max_wal_size ${before} → ${await show()} for this section (ALTER SYSTEM, reset after)`)
    return await fn()
  } finally {
    process.off('exit', resetNow)
    await c.query('ALTER SYSTEM RESET max_wal_size')
    await c.query('SELECT pg_reload_conf()')
    await c.end()
  }
}

/** The folds the service logged (its last 64 KiB of output, all windows): how many, their changes and time, and the time per step. */
function printFolds(output: string) {
  const folds = output
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"msg":"folded statistics"'))
    .map((l) => JSON.parse(l) as { changes: number; parts: number; hours: number; ms: number; steps: Record<string, number> })
  if (!folds.length) return log('  no fold logged (LOG_LEVEL=debug)')
  const sum = (f: (x: (typeof folds)[number]) => number) => folds.reduce((a, x) => a + f(x), 0)
  const steps = new Map<string, number>()
  for (const f of folds) for (const [k, v] of Object.entries(f.steps)) steps.set(k, (steps.get(k) ?? 0) + v)
  log(
    `  ${folds.length} folds: ${int(sum((f) => f.changes))} changes, ${int(sum((f) => f.parts))} parts, ${int(sum((f) => f.hours))} site-hours in ${(sum((f) => f.ms) / 1000).toFixed(1)} s ` +
      `(${folds.map((f) => `${int(f.changes)}/${(f.ms / 1000).toFixed(1)}s`).join(', ')})`,
  )
  log(`  by step: ${[...steps].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)} s`).join(', ')}`)
}

/**
 * What the statistics cost the accounting path (issue #11): the same load
 * with the rollups off and on, after an accounting window: off, on, off, on,
 * off (BENCH_STATS_COST_ROUNDS "on" windows), each "on" compared with the
 * two "off" beside it, interpolated to its middle, so that the steady slowdown as the tables
 * grow through the run (a fifth over five minutes) does not count for or
 * against either side. "off" (BENCH_STATS_COST_SECONDS after 2 s of warm-up): a rule turns
 * every INSERT into StatsPending into nothing, so the accounting transaction
 * skips the rows and the fold finds nothing (the statement is still sent:
 * its round trip is not counted as a cost). "on" (BENCH_STATS_COST_ON_SECONDS
 * after BENCH_STATS_COST_ON_WARMUP): as in service, the service's own fold
 * at its own pace (FoldPacer), measured once that pace is found: after an
 * idle spell its first runs come sooner, with less to do each. "inserts"
 * (diagnostic): the rows are written but the fold never runs (this
 * connection holds its lock); they are deleted after the window.
 * After each window this process folds what is left (the server's fold
 * code, the server's batch), so that every window starts with nothing
 * pending: "off" has nothing to fold, "on" folds its own rows. What an "on"
 * window leaves is folded outside it: its changes and seconds are printed,
 * and a second figure charges that time to the window as if accounting had
 * stood still meanwhile (a bound on the far side).
 * PostgreSQL only (the rule needs a connection beside the server's).
 */
async function statisticsCost(server: ServerName, db: PreparedDatabase, cw: CitywifiUnderTest) {
  const pool = new pg.Pool({ connectionString: db.env.DATABASE_URL, max: 2 })
  const c = await pool.connect()
  const timeZone = db.env.CITYWIFI_TIMEZONE ?? 'Asia/Ho_Chi_Minh'
  const pendingRows = async () => Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM "StatsPending"')).rows[0]!.n)
  const walBytes = async () => Number((await c.query<{ b: string }>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint::text AS b`)).rows[0]!.b)
  // Checkpoints asked for by the WAL's volume (not by the clock) bring full-page images of
  // accounting's pages sooner: whether a window had them tells a fold's cost from its WAL's.
  const checkpoints = async () => {
    const r = (await c.query<{ timed: string; req: string; buffers: string }>('SELECT checkpoints_timed::text AS timed, checkpoints_req::text AS req, buffers_checkpoint::text AS buffers FROM pg_stat_bgwriter')).rows[0]!
    return { timed: Number(r.timed), req: Number(r.req), buffers: Number(r.buffers) }
  }
  /** Folds what is left (waiting for a fold of the server's under way); its changes and seconds. */
  const drain = async () => {
    const t = performance.now()
    let changes = 0
    for (;;) {
      const r = await foldStats(pool, timeZone, new Date(), { batch: SERVICE_FOLD_BATCH })
      changes += r.changes
      if (r.ran && (await pendingRows()) === 0) return { changes, seconds: (performance.now() - t) / 1000 }
      if (performance.now() - t > 120_000) throw new Error('StatsPending still not empty after 120 s')
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  // Off between every two others, and first and last: each is compared with the off windows on
  // either side, so that a steady drift (the tables grow through the run) cancels out.
  const measured = COST_SIDES.filter((x) => x !== 'off')
  const order: { side: CostSide; round: number }[] = [{ side: 'off', round: 1 }]
  for (let round = 1; round <= COST_ROUNDS; round++) for (const side of measured) order.push({ side, round }, { side: 'off', round: order.length })
  // mid: the middle of the measured part (ms), to weigh the two off windows beside an on window by nearness.
  // cpu: the server's and the database's CPU (ms) per record acknowledged in the window; for "on",
  // cpuCharged adds the CPU of folding what the window left.
  const windows: { side: CostSide; rate: number; charged: number; mid: number; cpu: number; cpuCharged: number }[] = []
  try {
    for (const { side, round } of order) {
      await drain()
      if (side === 'off') await c.query('CREATE RULE bench_stats_off AS ON INSERT TO "StatsPending" DO INSTEAD NOTHING')
      // The fold's own lock held here: every fold finds it taken and does nothing.
      if (side === 'inserts') await c.query('SELECT pg_advisory_lock($1)', [FOLD_LOCK])
      try {
        const test = side === 'off' ? STATS_OFF : side === 'on' ? STATS_ON : STATS_INSERTS
        const seconds = side === 'on' ? COST_ON_SECONDS : COST_SECONDS
        const warm = side === 'on' ? COST_ON_WARMUP : COST_OFF_WARMUP
        const wal0 = await walBytes()
        const cp0 = await checkpoints()
        const r = await measure(server, `${test} (${side === 'off' ? windows.filter((w) => w.side === 'off').length + 1 : round})`, db.acctPort, db.secret, ACCT_OUTSTANDING, accountingRequests(db.codes, `${side}${windows.length}${Date.now().toString(36)}`), cw.cpu, { warmup: warm, seconds })
        const ended = Date.now()
        const wal = (await walBytes()) - wal0
        const cp = await checkpoints()
        log(
          `  WAL (whole cluster, warm-up included): ${int(wal / 2 ** 20)} MiB, about ${int(wal / ((r.acks * (r.seconds + warm)) / r.seconds))} bytes per record; ` +
            `checkpoints ${cp.timed - cp0.timed} by time, ${cp.req - cp0.req} asked for (the WAL's volume), ${int(((cp.buffers - cp0.buffers) * 8) / 1024)} MiB written by them`,
        )
        let charged = r.acks / r.seconds
        const cpu = (r.serverCpu * r.seconds * 1000) / r.acks
        let cpuCharged = cpu
        if (side === 'off' && (await pendingRows()) !== 0) throw new Error('StatsPending rows were written with the rollups off')
        if (side === 'on') {
          const cpu0 = cw.cpu()
          const left = await drain()
          const leftCpu = cw.cpu() - cpu0
          charged = r.acks / (r.seconds + left.seconds)
          cpuCharged = cpu + (leftCpu * 1000) / r.acks
          log(`  left for after the window: ${int(left.changes)} changes, folded in ${left.seconds.toFixed(1)} s, ${leftCpu.toFixed(1)} s of database CPU`)
        }
        log(`  CPU (server + its PostgreSQL, the fold's included): ${cpu.toFixed(3)} ms per record${side === 'on' ? `, ${cpuCharged.toFixed(3)} with what the window left` : ''}`)
        windows.push({ side, rate: r.acks / r.seconds, charged, mid: ended - (r.seconds * 1000) / 2, cpu, cpuCharged })
      } finally {
        if (side === 'off') await c.query('DROP RULE bench_stats_off ON "StatsPending"')
        if (side === 'inserts') {
          await c.query('DELETE FROM "StatsPending"')
          await c.query('SELECT pg_advisory_unlock($1)', [FOLD_LOCK])
        }
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`
    const offs = windows.filter((w) => w.side === 'off').map((w) => w.rate)
    log(`  off: ${int(mean(offs))} records/s (${offs.length} windows of ${COST_SECONDS} s: ${offs.map(int).join(', ')})`)
    // What an off window would have done at the middle of window i: the off windows before and after it, weighed by nearness.
    const offAt = (i: number, of: (w: (typeof windows)[number]) => number = (w) => w.rate) => {
      const [a, b, w] = [windows[i - 1]!, windows[i + 1]!, windows[i]!]
      return of(a) + ((of(b) - of(a)) * (w.mid - a.mid)) / (b.mid - a.mid)
    }
    for (const side of measured) {
      const costs = windows.flatMap((w, i) => (w.side === side ? [1 - w.rate / offAt(i)] : []))
      const rates = windows.filter((w) => w.side === side).map((w) => w.rate)
      const seconds = side === 'on' ? COST_ON_SECONDS : COST_SECONDS
      let line =
        `statistics ${side}: ${int(mean(rates))} records/s (${rates.length} windows of ${seconds} s: ${rates.map(int).join(', ')}), ` +
        `${pct(mean(costs))} fewer than the off windows beside them, interpolated to its middle (each: ${costs.map(pct).join(', ')}; plain means ${pct(1 - mean(rates) / mean(offs))})`
      if (side === 'on') {
        const charged = windows.flatMap((w, i) => (w.side === side ? [1 - w.charged / offAt(i)] : []))
        line += `; target ≤ 5%. With the time to fold what each window left charged to it: ${pct(mean(charged))}`
      }
      // CPU per record does not follow the machine's speed as much as records per second do: it
      // is the share of the CPU the statistics take, what accounting loses where CPU bounds it.
      const cpuCosts = windows.flatMap((w, i) => (w.side === side ? [1 - offAt(i, (x) => x.cpu) / w.cpu] : []))
      line += `. CPU per record: off ${windows.filter((w) => w.side === 'off').map((w) => w.cpu.toFixed(3)).join(', ')} ms, ${side} ${windows.filter((w) => w.side === side).map((w) => w.cpu.toFixed(3)).join(', ')} ms: the statistics take ${pct(mean(cpuCosts))} of it (each: ${cpuCosts.map(pct).join(', ')})`
      if (side === 'on') {
        const cpuCharged = windows.flatMap((w, i) => (w.side === side ? [1 - offAt(i, (x) => x.cpu) / w.cpuCharged] : []))
        line += `; ${pct(mean(cpuCharged))} with the CPU of folding what each window left`
      }
      log(`  ${line}`)
      notes.push(`${server}: ${line}`)
    }
  } finally {
    c.release()
    await pool.end()
  }
}

// ---- Summary ----

function find(server: ServerName, test: string, outstanding: number) {
  return rows.find((r) => r.server === server && r.test === test && r.outstanding === outstanding && r.round === undefined)?.result
}

const errors = (r: LoadResult) => r.timeouts + r.badReplies + r.unexpected
const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : '–')
const FIRST_TESTS = [FIRST_VOUCHER, FIRST_CREDENTIAL, FIRST_MAC]

/** First logins against FreeRADIUS+SQL (both variants), accepted logins per second; then Starts not logged in. */
function printFirstSummary() {
  const peer = find('FreeRADIUS+SQL', FIRST_PEER, FIRST_OUTSTANDING)
  const peerPost = find('FreeRADIUS+SQL post-auth', FIRST_PEER, FIRST_OUTSTANDING)
  log(`\n== First logins: each code once, PAP + Message-Authenticator, ${FIRST_OUTSTANDING} outstanding, ${FIRST_SECONDS} s after ${FIRST_WARMUP} s; generator pinned to core ${pinned ? GENERATOR_CPU : '– (not pinned)'}, servers and PostgreSQL on all cores, except citywifi embedded: on core ${pinned ? SERVER_CPU : '–'} ==`)
  log(`   logins/s = Access-Accepts per second; a reject is an error here. CPU in cores (server: the server + its PostgreSQL backends)`)
  const out: string[][] = []
  for (const r of rows.filter((r) => r.test === FIRST_PEER || FIRST_TESTS.includes(r.test))) {
    const vs = (p: LoadResult | undefined) => (p && r.server.startsWith('citywifi') ? ratio(acceptsPerSecond(r.result) / acceptsPerSecond(p)) : '')
    out.push([
      r.server,
      r.test.replace('first logins: ', ''),
      int(acceptsPerSecond(r.result)),
      ms(r.result.p50),
      ms(r.result.p99),
      String(errors(r.result) + r.result.rejects),
      pct(r.result.serverCpu),
      pct(r.result.generatorCpu),
      pct(r.result.otherCpu),
      vs(peer),
      peer && r.server.startsWith('citywifi') ? ratio(r.result.p99 / peer.p99) : '',
      vs(peerPost),
    ])
  }
  log(table(['server', 'logins', 'logins/s', 'p50 ms', 'p99 ms', 'errors', 'server', 'gen.', 'others', 'vs FR+SQL', 'p99 vs FR+SQL', 'vs FR+SQL post-auth'], out))
  for (const [key, p] of probes) log(`   during ${key.replace('|', ' ').replace('first logins: ', 'first logins of ')}, ${PROBE_RATE}/s paced: ${describeProbe(p)}`)
  const starts = rows.filter((r) => r.test === STARTS_UNSEEN)
  if (starts.length) {
    const base = starts.find((r) => r.server === 'FreeRADIUS+SQL')?.result
    log(`\n== ${STARTS_UNSEEN}: each a new session of a voucher this process never accepted, ${ACCT_OUTSTANDING} outstanding ==`)
    log(
      table(
        ['server', 'Starts/s', 'p50 ms', 'p99 ms', 'errors', 'server', 'vs FR+SQL'],
        starts.map((r) => [
          r.server,
          int(r.result.acks / r.result.seconds),
          ms(r.result.p50),
          ms(r.result.p99),
          String(errors(r.result)),
          pct(r.result.serverCpu),
          base && r.server.startsWith('citywifi') ? ratio(r.result.acks / base.acks) : '',
        ]),
      ),
    )
  }
}

function printSummary() {
  printFirstSummary()
  log(`\n== Access-Request: PAP + Message-Authenticator, ${int(USERS)} users cycled (own Calling-Station-Id each), every reply verified ==`)
  log(`   ${SECONDS} s measured after ${WARMUP} s warm-up; 4 sockets; timeout ${TIMEOUT_MS} ms, no retransmission; CPU in cores (server: citywifi + its PostgreSQL backends)`)
  const fr = (n: number) => find('FreeRADIUS', 'Access-Request', n)
  const out: string[][] = []
  log(`   warm runs: each server pinned to core ${pinned ? SERVER_CPU : '– (not pinned)'}, the generator to core ${pinned ? GENERATOR_CPU : '–'}`)
  for (const r of rows.filter((r) => r.test !== 'Accounting-Request' && r.test !== STARTS_UNSEEN && r.test !== FIRST_PEER && !FIRST_TESTS.includes(r.test))) {
    const base = r.test === 'Access-Request' ? peerOf(r) : undefined
    const vs = base && r.server !== 'FreeRADIUS'
    const pooledRow = r.test === 'Access-Request' && r.round === undefined && roundsOf(r.server, r.outstanding).length > 0
    out.push([
      r.server,
      r.round ? `${r.test}, round ${r.round}` : pooledRow ? `${r.test}, rounds pooled (p: median)` : r.test,
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
  const peer = find('FreeRADIUS+SQL', FIRST_PEER, FIRST_OUTSTANDING)
  for (const test of FIRST_TESTS) {
    const c = find('citywifi PostgreSQL', test, FIRST_OUTSTANDING)
    const ok = c && peer ? acceptsPerSecond(c) >= acceptsPerSecond(peer) && c.p99 <= peer.p99 && errors(c) + c.rejects === 0 : undefined
    log(`citywifi PostgreSQL ${test} ≥ 1.0× FreeRADIUS+SQL, p99 no worse: ${c && peer ? `${ratio(acceptsPerSecond(c) / acceptsPerSecond(peer))}, p99 ${ms(c.p99)} vs ${ms(peer.p99)} ms` : '–'} — ${verdict(ok)}`)
  }
  for (const test of FIRST_TESTS) {
    const c = find('citywifi embedded', test, FIRST_OUTSTANDING)
    const p = probes.get(`citywifi embedded|${test}`)
    const probeP99 = p ? Object.entries(p.kinds).map(([kind, k]) => `${kind} p99 ${ms(k.p99)} ms`).join(', ') : 'not probed'
    log(
      `citywifi embedded ${test} ≥ 2,000/s (server on one core), meanwhile Status-Server and cached users p99 < ${PROBE_P99_MS} ms: ${c ? int(acceptsPerSecond(c)) : '–'}/s, p99 ${c ? ms(c.p99) : '–'} ms; ${probeP99} — ${verdict(c && p ? acceptsPerSecond(c) >= 2000 && errors(c) + c.rejects === 0 && probeOk(p) : undefined)}`,
    )
  }
  const sFr = find('FreeRADIUS+SQL', STARTS_UNSEEN, ACCT_OUTSTANDING)
  const sCw = find('citywifi PostgreSQL', STARTS_UNSEEN, ACCT_OUTSTANDING)
  log(`citywifi PostgreSQL ${STARTS_UNSEEN} ≥ 1.0× FreeRADIUS+SQL: ${sFr && sCw ? ratio(sCw.acks / sFr.acks) : '–'} — ${verdict(sFr && sCw ? sCw.acks >= sFr.acks && errors(sCw) === 0 : undefined)}`)
  for (const server of ['citywifi embedded', 'citywifi PostgreSQL'] as const) {
    for (const n of LEVELS) {
      const c = find(server, 'Access-Request', n)
      const f = fr(n)
      const byRound = roundsOf(server, n).map((r) => {
        const peer = peerOf(r)
        return peer ? ratio(r.result.perSecond / peer.perSecond) : '–'
      })
      const ok = c && f ? c.perSecond >= f.perSecond && errors(c) === 0 : undefined
      log(`${server}: warm cache per core at ${n} outstanding ≥ 1.0× FreeRADIUS-files: ${c && f ? ratio(c.perSecond / f.perSecond) : '–'}${byRound.length > 1 ? ` (rounds: ${byRound.join(', ')})` : ''} — ${verdict(ok)}`)
    }
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

  pinned = CPUS >= 2 && pinGenerator(GENERATOR_CPU, CPUS)
  log(pinned ? `load generator pinned to core ${GENERATOR_CPU} (taskset)` : 'load generator not pinned (taskset missing or one core)')
  if (pinned) notes.push(`generator pinned to core ${GENERATOR_CPU}; warm runs pin each server to core ${SERVER_CPU}`)

  // The peer for first logins, and the size of the code lists from a short probe of it.
  const firstSection = SECTIONS.has('first')
  let sql: FreeRadiusSqlDatabase | undefined
  let firstLogins = Number(process.env.BENCH_FIRST_LOGINS ?? 0)
  const prepared = new Map<DbKind, PreparedDatabase>()
  try {
    if (firstSection && frVersion && kinds.includes('postgres')) {
      try {
        sql = await prepareFreeRadiusSql(BENCH_DATABASE_URL)
        if (!firstLogins) {
          await quiet('the FreeRADIUS+SQL probe', () => 0)
          const rate = await probeFirstLoginRate(sql)
          // Room for a server four times as fast as the peer's probe (at least 20,000), so that no code repeats;
          // a list used up early ends that window early (its rate stays right).
          firstLogins = Math.min(200_000, Math.max(20_000, Math.ceil((rate * (FIRST_WARMUP + FIRST_SECONDS) * 4) / 1000) * 1000))
          log(`probe: FreeRADIUS+SQL answered ${int(rate)} first logins/s; ${int(firstLogins)} codes of each kind`)
        }
      } catch (err) {
        notes.push(`FreeRADIUS+SQL could not be prepared: ${(err as Error).message.split('\n')[0]}`)
        log(`  ! ${(err as Error).message}`)
      }
    }
    if (firstSection && !firstLogins) firstLogins = 20_000
    const n = firstSection ? firstLogins : 0
    for (const kind of kinds) {
      const t = Date.now()
      prepared.set(kind, await prepareDatabase(kind, { vouchers: USERS, freshVouchers: n, credentials: n, consented: n }))
      log(`seeded the ${kind} database (site, policy, NAS, ${int(USERS)} vouchers bound to their devices; ${int(n)} unused vouchers, one-time credentials and consented devices) in ${((Date.now() - t) / 1000).toFixed(1)} s`)
    }
    // First logins: the peer right before citywifi on PostgreSQL, with citywifi's own codes.
    if (firstSection) {
      const pgDb = prepared.get('postgres')
      if (sql && pgDb) {
        await sql.addUsers(pgDb.fresh)
        await benchFreeRadiusSql(sql, pgDb.fresh, pgDb.codes)
      }
      if (pgDb) await benchCitywifiFirst(pgDb)
      const embedded = prepared.get('embedded')
      if (embedded) await benchCitywifiFirst(embedded)
    }
    if (SECTIONS.has('warm')) {
      await benchWarm([...prepared.values()], frVersion)
    } else if (SECTIONS.has('stats-cost')) {
      const pgDb = prepared.get('postgres')
      if (pgDb) await withMaxWalSize(process.env.BENCH_PG_MAX_WAL_SIZE, () => benchStatisticsCost(pgDb))
      else notes.push('the statistics\' cost needs PostgreSQL (BENCH_DB=postgres)')
    }
  } finally {
    for (const db of prepared.values()) await db.remove()
    await sql?.remove()
  }
  printSummary()
  if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify({ rows, memory, notes, seconds: SECONDS, warmup: WARMUP, acctSeconds: ACCT_SECONDS }, null, 2))
}

await main()
