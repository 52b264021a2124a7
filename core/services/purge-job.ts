// The hourly retention purge, run once per hour across every copy of
// citywifi on one database: the job lease (core/db/lease.ts) gives each hour
// to one copy. Inside, a PostgreSQL advisory lock keeps a hand-run
// `citywifi purge` from deleting alongside it. Each run is an audit event,
// which is also what the metric reads, so every copy reports the same last
// success.
import { Gauge, type Registry } from 'prom-client'
import type pg from 'pg'
import type { RetentionDays } from '../config.js'
import type { Logger } from '../logger.js'
import { JobLeases } from '../db/lease.js'
import { auditEvent } from './audit.js'
import type { PrismaClient } from '../db/generated/client.js'
import { purgeExpired, RETENTION_KINDS, type RetentionReport } from './retention.js'

export const PURGE_ACTION = 'retention.purge'
export const PURGE_INTERVAL_MS = 3600_000
/** The job's name in "JobLease". */
export const PURGE_JOB = 'retention-purge'

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

/** One purge under the lock, recorded in the audit log; undefined when another purge holds the lock. */
export async function runPurge(deps: PurgeDeps, actor: string, opts: { now?: Date } = {}): Promise<RetentionReport | undefined> {
  return withAdvisoryLock(deps.pool, LOCK_KEY, async () => {
    const report = await purgeExpired(deps.pool, deps.retention, opts.now ?? new Date())
    await auditEvent(deps.prisma, actor, PURGE_ACTION, undefined, auditDetail(report))
    return report
  })
}

export interface PurgeJob {
  /** Resolves once a run in progress has finished. */
  close(): Promise<void>
}

/** Registers the last-success gauge and checks every `checkMs` whether the hourly purge is due. */
export function startPurgeJob(deps: PurgeDeps & { log: Logger; metrics: Registry; leases?: JobLeases }, opts: { checkMs?: number; firstMs?: number } = {}): PurgeJob {
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
  const leases = deps.leases ?? new JobLeases(deps.pool)
  let running: Promise<void> | undefined
  let closed = false
  const tick = () => {
    if (running || closed) return
    running = (async () => {
      try {
        await leases.runOnce(PURGE_JOB, PURGE_INTERVAL_MS, async () => {
          const report = await runPurge(deps, 'job:purge')
          if (report) deps.log.info({ deleted: report.total }, 'retention purge done')
          else deps.log.warn('retention purge skipped: a purge run by hand holds the lock')
        })
      } catch (err) {
        deps.log.warn({ err }, 'retention purge failed; the next hour tries again')
      } finally {
        running = undefined
      }
    })()
  }
  // Checked every few minutes, so that the hour's run starts soon after the
  // hour begins, or soon after start.
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
