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
import type { PGlite } from '@electric-sql/pglite'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import type { Config } from '../config.js'
import type { Logger } from '../logger.js'
import { PrismaClient } from './generated/client.js'
import { openPglite, socketPath } from './embedded.js'
import { PgliteSocketServer } from './pglite-server.js'
import { guardPool } from './availability.js'
import { acquireLock, lockHolder } from './lock.js'
import { applyMigrations, migrationStatus, readMigrations } from './migrations.js'
import { pgliteRunner, pgRunner } from './runners.js'

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
  return config.databaseUrl ? openPostgres(config.databaseUrl, options) : openEmbedded(config.dataDir, options)
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

async function openEmbedded(dataDir: string, options: OpenOptions): Promise<Database> {
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
  let pglite: PGlite | undefined
  let server: PgliteSocketServer | undefined
  try {
    pglite = await openPglite(dataDir, () => options.log?.info({ dataDir }, 'creating the embedded database (first start)'))
    const migrated = await applyMigrations(pgliteRunner(pglite), readMigrations())
    // A socket left by a process that died is in the way of ours.
    fs.rmSync(sock, { force: true })
    server = new PgliteSocketServer(pglite, sock, options.log)
    await server.start()
    const pool = socketPool(dataDir, options.poolSize ?? 6, options.log)
    const prisma = prismaOver(pool)
    const db = pglite
    const srv = server
    let closing: Promise<void> | undefined
    return {
      prisma,
      pool,
      kind: 'embedded',
      location,
      dataDir,
      migrated,
      ping: () => ping(pool),
      close() {
        closing ??= (async () => {
          await prisma.$disconnect().catch(() => {})
          await pool.end().catch(() => {})
          await srv.stop().catch(() => {})
          await db.close().catch(() => {})
          fs.rmSync(sock, { force: true })
          release()
        })()
        return closing
      },
    }
  } catch (err) {
    await server?.stop().catch(() => {})
    await pglite?.close().catch(() => {})
    release()
    throw err
  }
}
