// The hourly retention purge, run once per hour across every copy of
// citywifi on one database: a copy takes a PostgreSQL advisory lock (only one
// holds it at a time), and inside it skips the run if another copy's run is
// recorded in the audit log less than an hour ago. The audit event is also
// what the metric reads, so every copy reports the same last success.
import { Gauge, type Registry } from 'prom-client'
import type pg from 'pg'
import type { RetentionDays } from '../config.js'
import type { Logger } from '../logger.js'
import { auditEvent } from './audit.js'
import type { PrismaClient } from '../db/generated/client.js'
import { purgeExpired, RETENTION_KINDS, type RetentionReport } from './retention.js'

export const PURGE_ACTION = 'retention.purge'
export const PURGE_INTERVAL_MS = 3600_000

// pg_try_advisory_lock's key: any constant no other code of citywifi uses ("cwpurge" in ASCII).
const LOCK_KEY = '27982126856381797'

/** Runs fn while holding the advisory lock `key`; undefined when another session holds it. */
export async function withAdvisoryLock<T>(pool: pg.Pool, key: string, fn: () => Promise<T>): Promise<T | undefined> {
  const client = await pool.connect()
  let locked = false
  try {
    locked = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key])).rows[0]!.ok
    if (!locked) return undefined
    return await fn()
  } finally {
    if (locked) await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => {})
    client.release()
  }
}

export async function lastPurgeAt(prisma: PrismaClient): Promise<Date | undefined> {
  const row = await prisma.auditEvent.findFirst({ where: { action: PURGE_ACTION }, orderBy: { at: 'desc' }, select: { at: true } })
  return row?.at
}

function auditDetail(report: RetentionReport, dryRun = false) {
  return {
    dryRun,
    total: report.total,
    ...Object.fromEntries(RETENTION_KINDS.map((k) => [k, { days: report.kinds[k].days, before: report.kinds[k].before, rows: report.kinds[k].rows }])),
  }
}

export interface PurgeDeps {
  pool: pg.Pool
  prisma: PrismaClient
  retention: RetentionDays
}

/**
 * One purge under the lock, recorded in the audit log. `due`: only if no
 * copy purged within the interval (the hourly job); without it, now (the
 * command). Returns undefined when skipped.
 */
export async function runPurge(deps: PurgeDeps, actor: string, opts: { due?: boolean; now?: Date } = {}): Promise<RetentionReport | undefined> {
  const result = await withAdvisoryLock(deps.pool, LOCK_KEY, async () => {
    const now = opts.now ?? new Date()
    if (opts.due) {
      const last = await lastPurgeAt(deps.prisma)
      // A little slack so that a run a few seconds early is not skipped for a whole hour.
      if (last && now.getTime() - last.getTime() < PURGE_INTERVAL_MS - 60_000) return null
    }
    const report = await purgeExpired(deps.pool, deps.retention, now)
    await auditEvent(deps.prisma, actor, PURGE_ACTION, undefined, auditDetail(report))
    return report
  })
  return result ?? undefined
}

export interface PurgeJob {
  /** Resolves once a run in progress has finished. */
  close(): Promise<void>
}

/** Registers the last-success gauge and checks every `checkMs` whether the hourly purge is due. */
export function startPurgeJob(deps: PurgeDeps & { log: Logger; metrics: Registry }, opts: { checkMs?: number; firstMs?: number } = {}): PurgeJob {
  if (!deps.metrics.getSingleMetric('citywifi_purge_last_success_timestamp_seconds')) {
    new Gauge({
      name: 'citywifi_purge_last_success_timestamp_seconds',
      help: 'When the retention purge last finished, by any copy on this database (Unix time; 0: never)',
      registers: [deps.metrics],
      aggregator: 'max',
      async collect() {
        try {
          const at = await lastPurgeAt(deps.prisma)
          this.set(at ? at.getTime() / 1000 : 0)
        } catch {
          // The database is down: citywifi_database_up says so; keep the last value.
        }
      },
    })
  }
  let running: Promise<void> | undefined
  let closed = false
  const tick = () => {
    if (running || closed) return
    running = (async () => {
      try {
        const report = await runPurge(deps, 'job:purge', { due: true })
        if (report) deps.log.info({ deleted: report.total }, 'retention purge done')
      } catch (err) {
        deps.log.warn({ err }, 'retention purge failed; retrying at the next check')
      } finally {
        running = undefined
      }
    })()
  }
  // Checked every few minutes: a copy that was down at the hour, or a run
  // that failed, is made up soon without waiting another hour.
  const first = setTimeout(tick, opts.firstMs ?? 30_000)
  const timer = setInterval(tick, opts.checkMs ?? 5 * 60_000)
  first.unref()
  timer.unref()
  return {
    async close() {
      closed = true
      clearTimeout(first)
      clearInterval(timer)
      await running
    },
  }
}
