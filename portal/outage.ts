// Telling a database outage from a bug: an outage gets the 503 page (with
// Retry-After), a bug the 500 page. And one log line per interval during an
// outage, with a count, instead of one stack trace per request.
import type { FastifyBaseLogger } from 'fastify'

// Connection-level failures: the server went away, refused, is starting or
// shutting down, or too many clients (PostgreSQL SQLSTATE classes 08, 57P,
// 53300), as pg, Prisma and the PGlite socket report them.
const CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOENT', 'EHOSTUNREACH', 'ENOTCONN',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300', '55000',
  'P1001', 'P1002', 'P1017', 'P2024',
])
const MESSAGES = /connection terminated|connection (is )?closed|terminating connection|can't reach database server|timeout exceeded when trying to connect|the database system is (starting up|shutting down|in recovery mode)|is not currently accepting connections|server closed the connection|connect ECONNREFUSED|Client has encountered a connection error|database .* does not allow connections/i

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 6) return false
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; originalCode?: unknown; errors?: unknown }
  if (typeof e.code === 'string' && CODES.has(e.code)) return true
  if (typeof e.originalCode === 'string' && CODES.has(e.originalCode)) return true
  if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true
  if (Array.isArray(e.errors) && e.errors.some((x) => isDatabaseUnavailable(x, depth + 1))) return true
  return isDatabaseUnavailable(e.cause, depth + 1)
}

/** Counts outage answers; logs the first of each minute with how many came since. */
export class OutageLog {
  #count = 0
  #loggedAt = 0

  seen(log: FastifyBaseLogger, err: unknown, now = Date.now()): void {
    this.#count++
    if (now - this.#loggedAt < 60_000) return
    const message = err instanceof Error ? err.message : String(err)
    log.warn({ answered503: this.#count, reason: message.slice(0, 200) }, 'database unavailable: the portal answers 503')
    this.#count = 0
    this.#loggedAt = now
  }
}
