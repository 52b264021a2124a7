// citywifi under test, in its own process: a fresh database (embedded: a
// temp data dir; PostgreSQL: a new database on BENCH_DATABASE_URL, migrated
// with `citywifi migrate`), seeded by seed.ts, then the compiled program
// `node bin/citywifi.js radius` on free ports, LOG_LEVEL=warn.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { freePort } from '../helpers/free-port.js'
import { cpuSeconds, processTree, ProcessGroupCpu, rssMiB, run, startChild, type Child } from './proc.js'
import { statusServer, waitForAnswer } from './probe.js'

export type DbKind = 'embedded' | 'postgres'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/test'
export const SECRET = 'bench-secret-0123456789'

/** A seeded database, ready for citywifi to be started on it. */
export interface PreparedDatabase {
  kind: DbKind
  /** Environment for citywifi (ports included). */
  env: Record<string, string>
  authPort: number
  acctPort: number
  secret: string
  /** Codes of the vouchers bound to their device (voucher i to macOf(i)). */
  codes: string[]
  /** Codes of vouchers never used: first logins. */
  fresh: string[]
  /** One-time portal credentials ("username password"), each for its own device (seed.ts). */
  credentials: { username: string; password: string }[]
  /** MACs of devices with a consent at the site, never logged in: MAC authentication. */
  consented: string[]
  /** CPU seconds of the PostgreSQL processes that work for this database (none when embedded). */
  databaseCpu?: ProcessGroupCpu
  /**
   * WAL flushes (fsyncs) of the whole PostgreSQL cluster so far (pg_stat_wal; PostgreSQL only):
   * each durable commit is one, so on a quiet server it counts the accounting writer's commits.
   */
  walSyncs?: () => Promise<number>
  /** Drops the database and the data dir. */
  remove(): Promise<void>
}

export interface CitywifiUnderTest {
  db: PreparedDatabase
  pid: number
  /** CPU seconds of citywifi, plus PostgreSQL's on PostgreSQL. */
  cpu(): number
  /** CPU seconds of the citywifi process alone. */
  ownCpu(): number
  rss(): number
  child: Child
  /** SIGTERM: a clean stop; resolves with the exit code. */
  stop(): Promise<string>
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

export async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: BENCH_DATABASE_URL, connectionTimeoutMillis: 5000 })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

/** Why PostgreSQL cannot be used at BENCH_DATABASE_URL, or undefined when it can. */
export async function postgresProblem(): Promise<string | undefined> {
  try {
    await withAdmin((c) => c.query('SELECT 1'))
    return undefined
  } catch (err) {
    return `PostgreSQL is not reachable at ${BENCH_DATABASE_URL}: ${(err as Error).message}`
  }
}

export async function postgresVersion(): Promise<string> {
  return withAdmin(async (c) => (await c.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v)
}

/** A fresh database with the benchmark's site, policy, NAS and vouchers (seed.ts). */
export async function prepareDatabase(kind: DbKind, opts: { vouchers: number; freshVouchers?: number; credentials?: number; consented?: number }): Promise<PreparedDatabase> {
  // Short: the embedded database's Unix socket path lives in it (107 bytes at most).
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwb-'))
  const [authPort, acctPort] = [await freePort(), await freePort()]
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    CITYWIFI_DATA_DIR: dataDir,
    CITYWIFI_SEED_DEMO: 'false',
    LISTEN_HOST: '127.0.0.1',
    RADIUS_AUTH_PORT: String(authPort),
    RADIUS_ACCT_PORT: String(acctPort),
    LOG_LEVEL: 'warn',
    // One process by default; BENCH_RADIUS_WORKERS=2 runs RADIUS in two worker
    // processes sharing the sockets (radius/cluster.ts). On a 2-core machine
    // that also runs the load generator, two were not faster (docs/performance.md).
    RADIUS_WORKERS: process.env.BENCH_RADIUS_WORKERS ?? '1',
  }
  delete env.DATABASE_URL
  let dbName: string | undefined
  const remove = async () => {
    if (dbName) await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)).catch(() => {})
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    if (kind === 'postgres') {
      dbName = `citywifi_bench_${randomBytes(4).toString('hex')}`
      await withAdmin((c) => c.query(`CREATE DATABASE ${dbName}`))
      env.DATABASE_URL = withDatabase(BENCH_DATABASE_URL, dbName)
      await run(process.execPath, ['bin/citywifi.js', 'migrate'], { cwd: ROOT, env })
    }
    const out = path.join(dataDir, 'codes')
    const args = ['--import', 'tsx', 'test/bench/seed.ts', '--secret', SECRET, '--vouchers', String(opts.vouchers), '--fresh', String(opts.freshVouchers ?? 0)]
    args.push('--credentials', String(opts.credentials ?? 0), '--consented', String(opts.consented ?? 0), '--out', out)
    await run(process.execPath, args, { cwd: ROOT, env })
    const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean) : [])
    // This database's backends ("postgres: 15/main: postgres citywifi_bench_… 127.0.0.1(…) idle")
    // and the server's own writers, which work for whoever writes.
    const mine = new RegExp(`^postgres: [^\\0]*(: walwriter|: checkpointer|: background writer| ${dbName} )`)
    return {
      kind,
      env,
      authPort,
      acctPort,
      secret: SECRET,
      codes: read(`${out}.bound`),
      fresh: read(`${out}.fresh`),
      credentials: read(`${out}.credentials`).map((l) => {
        const [username = '', password = ''] = l.split(' ')
        return { username, password }
      }),
      consented: read(`${out}.consented`),
      databaseCpu: dbName ? new ProcessGroupCpu(mine) : undefined,
      walSyncs: dbName
        ? () =>
            withAdmin(async (c) => {
              // A session otherwise keeps seeing the statistics snapshot it read first.
              await c.query('SELECT pg_stat_clear_snapshot()')
              return Number((await c.query<{ n: string }>('SELECT wal_sync AS n FROM pg_stat_wal')).rows[0]!.n)
            })
        : undefined,
      remove,
    }
  } catch (err) {
    await remove()
    throw err
  }
}

/** The node options citywifi's services run with: `npm start`, deploy/systemd and deploy/container set the same. */
export const SERVICE_NODE_ARGS = ['--max-semi-space-size=16']

/** Starts `node [SERVICE_NODE_ARGS] [nodeArgs] bin/citywifi.js radius` on a prepared database and waits for a Status-Server answer. */
export async function launchCitywifi(db: PreparedDatabase, opts: { nodeArgs?: string[] } = {}): Promise<CitywifiUnderTest> {
  const c = startChild(process.execPath, [...SERVICE_NODE_ARGS, ...(opts.nodeArgs ?? []), 'bin/citywifi.js', 'radius'], { cwd: ROOT, env: db.env })
  const alive = () => c.proc.exitCode === null && c.proc.signalCode === null
  try {
    await waitForAnswer(db.authPort, db.secret, statusServer, alive)
  } catch (err) {
    await c.stop()
    throw new Error(`citywifi (${db.kind}) did not start: ${(err as Error).message}\n${c.output()}`)
  }
  const pid = c.pid
  // Backends come and go with the pool: sample them often enough that each one counts.
  db.databaseCpu?.track()
  return {
    db,
    pid,
    child: c,
    // The primary and its RADIUS workers.
    ownCpu: () => processTree(pid).reduce((sum, p) => sum + cpuSeconds(p), 0),
    cpu: () => processTree(pid).reduce((sum, p) => sum + cpuSeconds(p), 0) + (db.databaseCpu?.total() ?? 0),
    rss: () => processTree(pid).reduce((sum, p) => sum + rssMiB(p), 0),
    async stop() {
      const code = await c.stop()
      db.databaseCpu?.untrack()
      return code
    },
  }
}
