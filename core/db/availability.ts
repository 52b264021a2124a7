// Telling "the database is not there" (stopped, restarting, unreachable, out
// of disk) from "this statement is wrong". The first is waited out — the
// accounting spool keeps records, the auth cache decides what it can — the
// second is a bug or bad data and is reported as such.
import type pg from 'pg'
import type { Logger } from '../logger.js'
import { FailureLog } from '../logger.js'

const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOSPC'])

// SQLSTATE classes: 08 connection exception, 53 insufficient resources
// (53100 disk full), 57P01–57P03 admin/crash shutdown and "cannot connect now",
// 58 system error (an I/O error on the server's side).
const SQLSTATE = /^(08|53|57P0[1-3]|58)/

const MESSAGES = [
  'Connection terminated',
  'connection error',
  'not queryable',
  'timeout exceeded when trying to connect',
  'Client was closed',
  'Cannot use a pool after calling end',
  'database system is starting up',
  'database system is shutting down',
  'No space left on device',
  'the database did not answer in time',
]

/** True when err says the database could not be reached or could not write, not that the statement was wrong. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; originalCode?: unknown; errors?: unknown }
  if (typeof e.code === 'string' && (NODE_CODES.has(e.code) || SQLSTATE.test(e.code))) return true
  // Prisma's driver adapter keeps the database's code apart.
  if (typeof e.originalCode === 'string' && SQLSTATE.test(e.originalCode)) return true
  if (typeof e.code === 'string' && (e.code === 'P1001' || e.code === 'P1017' || e.code === 'P2024')) return true
  if (typeof e.message === 'string' && MESSAGES.some((m) => (e.message as string).includes(m))) return true
  if (Array.isArray(e.errors) && e.errors.some((x) => isDatabaseUnavailable(x, depth + 1))) return true
  return isDatabaseUnavailable(e.cause, depth + 1)
}

export class DatabaseTimeoutError extends Error {
  override name = 'DatabaseTimeoutError'
  constructor(what: string, ms: number) {
    super(`the database did not answer in time (${what}, ${ms} ms)`)
  }
}

/**
 * Every emitter of a pool gets its 'error' handled: the pool's own (an idle
 * client that lost its server) and each client's while it is checked out —
 * `pg_ctl stop -m fast` sends 57P01 to every backend, and an unhandled
 * 'error' on a checked-out pg Client ends the Node process. The query that
 * was running fails by itself and its caller handles that.
 */
export function guardPool(pool: pg.Pool, log: Logger | undefined): pg.Pool {
  const failures = log ? new FailureLog(log) : undefined
  const lost = (err: Error) => failures?.failed('database-connection', 'database connection lost', err)
  pool.on('error', lost)
  pool.on('connect', (client) => {
    client.on('error', lost)
    failures?.recovered('database-connection', 'connected again')
  })
  return pool
}
