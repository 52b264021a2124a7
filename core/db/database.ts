// One way to the database for every service and command, embedded or not.
//
// Embedded: the process that owns the data dir opens PGlite and serves it on
// a Unix socket in the data dir (pglite-server.ts); every query, its own
// included, goes through that socket with the ordinary pg driver. PGlite is a
// single session: only the socket server's scheduling keeps one client's open
// transaction from swallowing another's statements (a direct in-process query
// was seen to run inside a socket client's transaction and vanish with its
// ROLLBACK), so nothing bypasses it. A CLI started while citywifi runs finds
// the socket and uses it the same way; so can `psql -h <data dir> -U postgres`.
import fs from 'node:fs'
import { Worker } from 'node:worker_threads'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import type { Config } from '../config.js'
import type { Logger } from '../logger.js'
import { PrismaClient } from './generated/client.js'
import { DiskFullError, socketPath } from './embedded.js'
import type { FromPgliteWorker, PgliteWorkerData } from './pglite-worker.js'
import { guardPool } from './availability.js'
import { acquireLock, lockHolder } from './lock.js'
import { applyMigrations, migrationStatus } from './migrations.js'
import { pgRunner } from './runners.js'
import { idleOtherThreads } from './thread-priority.js'

export { PrismaClient }
export type DatabaseKind = 'embedded' | 'postgres'

export interface Database {
  prisma: PrismaClient
  pool: pg.Pool
  kind: DatabaseKind
  /** Where it is, for people: a data dir or a URL without its password. */
  location: string
  /** The embedded database's data dir (readiness checks its disk); undefined on PostgreSQL. */
  dataDir?: string
  /** Migrations applied while opening (embedded databases migrate themselves). */
  migrated: string[]
  ping(): Promise<boolean>
  close(): Promise<void>
}

export class DatabaseError extends Error {
  override name = 'DatabaseError'
}

export interface OpenOptions {
  /**
   * `owner`: a service; it takes the embedded data dir for itself (failing if
   * another process has it) and serves it to others.
   * `client`: a CLI command; it uses a running citywifi's socket when there is
   * one, and otherwise opens the data dir for the length of the command.
   */
  role: 'owner' | 'client'
  /** Apply pending migrations on PostgreSQL (only `citywifi migrate` does). */
  migratePostgres?: boolean
  log?: Logger
  /** Connections in this process's pool. */
  poolSize?: number
}

// Unix socket paths are limited to 107 bytes by the kernel.
const MAX_SOCKET_PATH = 107

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@')
}

function prismaOver(pool: pg.Pool): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool) })
}

async function ping(pool: pg.Pool): Promise<boolean> {
  try {
    await pool.query('SELECT 1')
    return true
  } catch {
    return false
  }
}

export async function openDatabase(config: Config, options: OpenOptions): Promise<Database> {
  return config.databaseUrl ? openPostgres(config.databaseUrl, options) : openEmbedded(config.dataDir, options, config.pgliteNice)
}

async function openPostgres(url: string, options: OpenOptions): Promise<Database> {
  // Prisma keeps DateTime as UTC in columns without a time zone, and SQL's
  // now() is converted with the session's zone: the session must be UTC.
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, connectionTimeoutMillis: 10_000, options: '-c TimeZone=UTC' })
  guardPool(pool, options.log)
  const location = redactUrl(url)
  let migrated: string[] = []
  try {
    const client = await pool.connect().catch((err: Error) => {
      throw new DatabaseError(`cannot connect to PostgreSQL at ${location}: ${err.message}`)
    })
    try {
      const runner = pgRunner(client)
      if (options.migratePostgres) {
        migrated = await applyMigrations(runner)
      } else {
        const status = await migrationStatus(runner)
        if (status.unknown.length) {
          throw new DatabaseError(`the database at ${location} was migrated by a newer citywifi (${status.unknown.join(', ')})`)
        }
        if (status.pending.length) {
          throw new DatabaseError(
            `the database at ${location} is not migrated (${status.pending.length} pending: ${status.pending.join(', ')}): run \`citywifi migrate\` first`,
          )
        }
      }
    } finally {
      client.release()
    }
  } catch (err) {
    await pool.end()
    throw err
  }
  const prisma = prismaOver(pool)
  return {
    prisma,
    pool,
    kind: 'postgres',
    location,
    migrated,
    ping: () => ping(pool),
    async close() {
      await prisma.$disconnect()
      await pool.end()
    },
  }
}

function socketPool(dataDir: string, max: number, log?: Logger): pg.Pool {
  // pg treats a host that starts with "/" as the folder of a Unix socket
  // named .s.PGSQL.<port>.
  const pool = new pg.Pool({ host: dataDir, port: 5432, user: 'postgres', database: 'postgres', max, connectionTimeoutMillis: 10_000 })
  return guardPool(pool, log)
}

interface PgliteThread {
  migrated: string[]
  /** Closes the socket and the database (after an exchange in progress) and ends the thread. */
  stop(): Promise<void>
}

/**
 * PGlite and its socket server in a worker thread (pglite-worker.ts), so that
 * its statements never hold this thread's event loop; resolves once the
 * socket listens. The data dir's lock stays with this process.
 */
function startPgliteThread(dataDir: string, sock: string, nice: number | 'idle', log?: Logger): Promise<PgliteThread> {
  // Same extension as this file: .ts under tsx (tests), .js once compiled.
  const ext = path.extname(fileURLToPath(import.meta.url))
  const script = new URL(`./pglite-worker${ext}`, import.meta.url)
  const workerData: PgliteWorkerData = { dataDir, socket: sock, nice }
  // No resourceLimits.maxYoungGenerationSizeMb: on Node 20 the services'
  // --max-semi-space-size overrides it in every thread (a worker given a
  // 48 MB young generation still got 64 MB semi-spaces), and this thread's
  // scavenges do not stop RADIUS's event loop anyway (docs/performance.md).
  const worker =
    ext === '.ts'
      ? // On Node 20 a worker thread does not get tsx's loader from --import: it registers it first.
        new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(script.href)}) })`, {
          eval: true,
          workerData,
        })
      : new Worker(script, { workerData })
  let stopping: Promise<void> | undefined
  const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  return new Promise<PgliteThread>((resolve, reject) => {
    let listening = false
    worker.on('message', (m: FromPgliteWorker) => {
      switch (m.type) {
        case 'init':
          log?.info({ dataDir }, 'creating the embedded database (first start)')
          break
        case 'log':
          log?.[m.level]({ err: m.err }, m.msg)
          break
        case 'error': {
          const err = m.name === 'DiskFullError' ? new DiskFullError(m.message) : new Error(m.message)
          if (m.stack) err.stack = m.stack
          reject(err)
          break
        }
        case 'listening':
          listening = true
          resolve({
            migrated: m.migrated,
            stop() {
              stopping ??= (async () => {
                worker.postMessage('stop')
                // It closes the database and then its port, ending the thread; a
                // thread that does not end in time is ended (the process is stopping).
                const timer = setTimeout(() => void worker.terminate(), 8_000)
                await ended
                clearTimeout(timer)
              })()
              return stopping
            },
          })
          break
        case 'stopped':
          break
      }
    })
    worker.on('error', (err) => {
      if (!listening) reject(err)
      else log?.error({ err }, 'the embedded database thread failed')
    })
    worker.once('exit', (code) => {
      if (!listening) reject(new DatabaseError(`the embedded database thread ended (exit ${code}) before it was ready`))
      else if (!stopping) {
        // Every query goes through its socket: without it this process serves nobody.
        log?.fatal({ code }, 'the embedded database thread ended unexpectedly; exiting')
        process.exit(1)
      }
    })
  })
}

async function openEmbedded(dataDir: string, options: OpenOptions, nice: number | 'idle'): Promise<Database> {
  const sock = socketPath(dataDir)
  if (Buffer.byteLength(sock) > MAX_SOCKET_PATH) {
    throw new DatabaseError(
      `CITYWIFI_DATA_DIR ${dataDir} is too long a path for the database socket (${sock} is over ${MAX_SOCKET_PATH} bytes): choose a shorter one`,
    )
  }
  const location = `embedded database in ${dataDir}`

  if (options.role === 'client' && lockHolder(dataDir)) {
    // citywifi is running: borrow its database through the socket.
    const pool = socketPool(dataDir, options.poolSize ?? 2, options.log)
    if (!(await ping(pool))) {
      await pool.end()
      throw new DatabaseError(`citywifi is running on ${dataDir} (pid ${lockHolder(dataDir)}) but its database socket ${sock} does not answer`)
    }
    const prisma = prismaOver(pool)
    return {
      prisma,
      pool,
      kind: 'embedded',
      location,
      dataDir,
      migrated: [],
      ping: () => ping(pool),
      async close() {
        await prisma.$disconnect()
        await pool.end()
      },
    }
  }

  const release = acquireLock(dataDir)
  let worker: PgliteThread | undefined
  try {
    worker = await startPgliteThread(dataDir, sock, nice, options.log)
    if (nice === 'idle') {
      const { problem } = idleOtherThreads()
      if (problem) options.log?.warn({ problem }, 'the embedded database and V8 helper threads keep their priority: RADIUS may answer later while they run')
    }
    const pool = socketPool(dataDir, options.poolSize ?? 6, options.log)
    const prisma = prismaOver(pool)
    const thread = worker
    let closing: Promise<void> | undefined
    return {
      prisma,
      pool,
      kind: 'embedded',
      location,
      dataDir,
      migrated: thread.migrated,
      ping: () => ping(pool),
      close() {
        closing ??= (async () => {
          await prisma.$disconnect().catch(() => {})
          await pool.end().catch(() => {})
          await thread.stop().catch(() => {})
          fs.rmSync(sock, { force: true })
          release()
        })()
        return closing
      },
    }
  } catch (err) {
    await worker?.stop().catch(() => {})
    release()
    throw err
  }
}
