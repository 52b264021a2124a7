// What a fold costs per change, by how much it folds at once (issue #11):
// the longest wait between folds (FOLD_MAX_WAIT_MS) decides how many changes
// a fold of busy accounting takes, and part of its work (the peaks' sweep)
// grows with the sessions open, not with the changes. Accounting runs with
// the fold held off (its lock taken here), then copies of that database are
// folded in transactions of what W seconds of that accounting wrote, for
// each W, alternated, so that every size folds the same data on the same
// machine minutes apart.
//   node --import tsx test/bench/fold-size.ts
// BENCH_FOLD_SIZE_SECONDS (240): accounting before the folds;
// BENCH_FOLD_SIZE_WAITS (50,120): the W to compare; BENCH_FOLD_SIZE_ROUNDS (2);
// BENCH_FOLD_SIZE_WAL=1: also the WAL written by each statement of the fold.
import os from 'node:os'
import pg from 'pg'
import { FOLD_LOCK, foldStats } from '../../core/stats/fold.js'
import { launchCitywifi, prepareDatabase, withAdmin } from './citywifi-server.js'
import { cpuSeconds, int, pinGenerator } from './proc.js'
import { accountingRequests, describeResult, runLoad } from './radius-load.js'

const SECONDS = Number(process.env.BENCH_FOLD_SIZE_SECONDS ?? 240)
const WAITS = (process.env.BENCH_FOLD_SIZE_WAITS ?? '50,120').split(',').map(Number)
const ROUNDS = Number(process.env.BENCH_FOLD_SIZE_ROUNDS ?? 2)
const WAL = process.env.BENCH_FOLD_SIZE_WAL === '1'

async function main() {
  // The generator on core 1, as in the accounting benchmark; the server and PostgreSQL anywhere.
  pinGenerator(1, os.cpus().length)
  const db = await prepareDatabase('postgres', { vouchers: 10_000 })
  const url = new URL(db.env.DATABASE_URL!)
  const source = url.pathname.slice(1)
  const timeZone = db.env.CITYWIFI_TIMEZONE ?? 'Asia/Ho_Chi_Minh'
  try {
    const lock = new pg.Client({ connectionString: db.env.DATABASE_URL })
    await lock.connect()
    await lock.query('SELECT pg_advisory_lock($1)', [FOLD_LOCK])
    const cw = await launchCitywifi(db)
    const walAt = async () => Number((await lock.query<{ b: string }>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint::text AS b`)).rows[0]!.b)
    let rate: number
    try {
      const wal0 = await walAt()
      const r = await runLoad({ port: db.acctPort, secret: db.secret, outstanding: 256, warmupSeconds: 2, seconds: SECONDS, next: accountingRequests(db.codes, `f${Date.now().toString(36)}`), serverCpu: cw.cpu })
      console.log(describeResult('Accounting-Request, fold held off', r))
      const wal = (await walAt()) - wal0
      console.log(`WAL of accounting (whole cluster, warm-up included): ${int(wal)} bytes, about ${int(wal / ((r.acks * (r.seconds + 2)) / r.seconds))} per record`)
      rate = r.acks / r.seconds
    } finally {
      await cw.stop()
      await lock.end()
    }
    console.log(`changes pending: ${int(await count(url, 'StatsPending'))}`)
    const results = new Map<number, { perChange: number[]; cpuPerChange: number[] }>()
    for (let round = 1; round <= ROUNDS; round++) {
      for (const wait of WAITS) {
        const copy = `${source}_w${wait}`
        await withAdmin((c) => c.query(`CREATE DATABASE ${copy} TEMPLATE ${source}`))
        try {
          const copyUrl = new URL(url)
          copyUrl.pathname = `/${copy}`
          const pool = new pg.Pool({ connectionString: copyUrl.toString(), max: 1 })
          try {
            const pid = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
            const wal = WAL ? await walByStatement(pool) : undefined
            const batch = Math.round(rate * wait)
            const steps: Record<string, number> = {}
            const cpu0 = cpuSeconds(pid)
            const t = performance.now()
            const r = await foldStats(pool, timeZone, new Date(), { batch, maxRounds: 1_000, steps })
            const ms = performance.now() - t
            const cpu = cpuSeconds(pid) - cpu0
            const [perChange, cpuPerChange] = [(ms * 1000) / r.changes, (cpu * 1e6) / r.changes]
            if (wal)
              console.log(
                `  WAL by statement (bytes per change): ${[...wal].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k, v]) => `${k} ${int(v / r.changes)}`).join('; ')}`,
              )
            const entry = results.get(wait) ?? { perChange: [], cpuPerChange: [] }
            entry.perChange.push(perChange)
            entry.cpuPerChange.push(cpuPerChange)
            results.set(wait, entry)
            console.log(
              `W ${wait} s (${int(batch)} changes per fold), round ${round}: ${int(r.changes)} changes, ${int(r.parts)} parts in ${(ms / 1000).toFixed(1)} s, ` +
                `backend CPU ${cpu.toFixed(1)} s: ${perChange.toFixed(1)} µs and ${cpuPerChange.toFixed(1)} µs CPU per change; ` +
                `by step: ${Object.entries(steps).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`).join(', ')}`,
            )
          } finally {
            await pool.end()
          }
        } finally {
          await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${copy} WITH (FORCE)`))
        }
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const base = results.get(WAITS[0]!)!
    for (const [wait, r] of results)
      console.log(
        `W ${wait} s: ${mean(r.perChange).toFixed(1)} µs per change (${r.perChange.map((x) => x.toFixed(1)).join(', ')}), ${mean(r.cpuPerChange).toFixed(1)} µs CPU; ` +
          `${(mean(r.cpuPerChange) / mean(base.cpuPerChange)).toFixed(2)}× the CPU of W ${WAITS[0]} s`,
      )
  } finally {
    await db.remove()
  }
}

/**
 * BENCH_FOLD_SIZE_WAL=1: the WAL each of the fold's statements writes, by its
 * first words, from the insert position before and after it (the pool's one
 * client, which the fold reuses, has its query wrapped).
 */
async function walByStatement(pool: pg.Pool): Promise<Map<string, number>> {
  const bytes = new Map<string, number>()
  const client = await pool.connect()
  const query = client.query.bind(client) as (sql: string, params?: unknown[]) => Promise<pg.QueryResult>
  const lsn = async () => Number((await query(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint::text AS b`)).rows[0].b)
  ;(client as unknown as { query: unknown }).query = async (sql: string, params?: unknown[]) => {
    if (/^(BEGIN|COMMIT|ROLLBACK|SET|SELECT pg_)/.test(sql.trim())) return query(sql, params)
    const before = await lsn()
    const r = await query(sql, params)
    const key = sql.trim().replace(/\s+/g, ' ').slice(0, 48)
    bytes.set(key, (bytes.get(key) ?? 0) + (await lsn()) - before)
    return r
  }
  client.release()
  return bytes
}

async function count(url: URL, table: string) {
  const c = new pg.Client({ connectionString: url.toString() })
  await c.connect()
  try {
    return Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`)).rows[0]!.n)
  } finally {
    await c.end()
  }
}

await main()
