// Retention: personal records older than the operator's periods are deleted
// (docs/privacy.md). Statistics tables (StatsHourly, StatsAuthHourly,
// StatsLinkHourly, …) hold no personal data and are never touched here: they
// are what officials read, for as long as the city keeps them.
import type pg from 'pg'
import type { RetentionDays } from '../config.js'
import { announceChanges } from './changes.js'

export type RetentionKind = keyof RetentionDays

export const RETENTION_KINDS: readonly RetentionKind[] = ['sessions', 'consents', 'devices', 'logins', 'auditLog']

/** The setting behind each kind, as operators write it. */
export const RETENTION_SETTING: Record<RetentionKind, string> = {
  sessions: 'RETENTION_SESSIONS_DAYS',
  consents: 'RETENTION_CONSENTS_DAYS',
  devices: 'RETENTION_DEVICES_DAYS',
  logins: 'RETENTION_LOGINS_DAYS',
  auditLog: 'RETENTION_AUDIT_DAYS',
}

interface Target {
  kind: RetentionKind
  table: string
  /** Rows past retention, `t` being the table and $1 the cut-off (an ISO instant). */
  where: string
}

// An open session is never deleted whatever its age: accounting still
// updates it, and its end is when its retention starts. Nor is a device that
// is online now, nor a CoA request still to be sent.
const TARGETS: Target[] = [
  { kind: 'sessions', table: 'Session', where: `t."stoppedAt" IS NOT NULL AND t."stoppedAt" < $1::timestamptz` },
  { kind: 'sessions', table: 'CoaRequest', where: `t."state" <> 'pending' AND t."createdAt" < $1::timestamptz` },
  { kind: 'sessions', table: 'DeviceUsageDaily', where: `t."day" < ($1::timestamptz)::date` },
  { kind: 'consents', table: 'Consent', where: `t."expiresAt" < $1::timestamptz` },
  {
    kind: 'devices',
    table: 'Device',
    where: `t."lastSeenAt" < $1::timestamptz AND NOT EXISTS (SELECT 1 FROM "Session" s WHERE s."deviceId" = t.id AND s."stoppedAt" IS NULL)`,
  },
  { kind: 'logins', table: 'OtpChallenge', where: `t."createdAt" < $1::timestamptz` },
  { kind: 'logins', table: 'Credential', where: `t."expiresAt" < $1::timestamptz` },
  { kind: 'logins', table: 'AdminSession', where: `t."expiresAt" < $1::timestamptz` },
  { kind: 'logins', table: 'AdminLoginFailure', where: `t."at" < $1::timestamptz` },
  { kind: 'auditLog', table: 'AuditEvent', where: `t."at" < $1::timestamptz` },
]

const DAY_MS = 86_400_000
// Small enough that one batch is a short transaction on PGlite, which
// serves every other query of the process in between.
const BATCH = 5000

export interface RetentionReport {
  /** Per kind: the cut-off (records before it go) and rows per table. */
  kinds: Record<RetentionKind, { days: number; before: string; rows: Record<string, number> }>
  total: number
}

export function cutoffs(days: RetentionDays, now: Date): Record<RetentionKind, Date> {
  return Object.fromEntries(RETENTION_KINDS.map((k) => [k, new Date(now.getTime() - days[k] * DAY_MS)])) as Record<RetentionKind, Date>
}

function emptyReport(days: RetentionDays, now: Date): RetentionReport {
  const cut = cutoffs(days, now)
  const kinds = Object.fromEntries(RETENTION_KINDS.map((k) => [k, { days: days[k], before: cut[k].toISOString(), rows: {} as Record<string, number> }]))
  return { kinds: kinds as RetentionReport['kinds'], total: 0 }
}

/** What a purge now would delete, counted without deleting (`citywifi purge --dry-run`). */
export async function countExpired(pool: pg.Pool, days: RetentionDays, now = new Date()): Promise<RetentionReport> {
  const report = emptyReport(days, now)
  for (const target of TARGETS) {
    const before = report.kinds[target.kind].before
    const res = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${target.table}" t WHERE ${target.where}`, [before])
    const n = Number(res.rows[0]!.n)
    report.kinds[target.kind].rows[target.table] = n
    report.total += n
  }
  return report
}

/**
 * Deletes every record past its retention, in batches; returns what went.
 * Deleting a device also deletes what hangs on it (consents, one-time
 * logins, quota counters, voucher bindings) and unlinks its sessions.
 */
export async function purgeExpired(pool: pg.Pool, days: RetentionDays, now = new Date()): Promise<RetentionReport> {
  const report = emptyReport(days, now)
  for (const target of TARGETS) {
    const before = report.kinds[target.kind].before
    let n = 0
    for (;;) {
      const res = await pool.query(
        `DELETE FROM "${target.table}" WHERE ctid = ANY(ARRAY(SELECT t.ctid FROM "${target.table}" t WHERE ${target.where} LIMIT ${BATCH}))`,
        [before],
      )
      n += res.rowCount ?? 0
      if ((res.rowCount ?? 0) < BATCH) break
    }
    report.kinds[target.kind].rows[target.table] = n
    report.total += n
  }
  if (report.kinds.devices.rows.Device) await devicesGone(pool)
  return report
}

/**
 * RADIUS processes remember device ids; a deleted device must be forgotten
 * before its MAC is seen again, or accounting would point at a missing row.
 */
export async function devicesGone(pool: pg.Pool): Promise<void> {
  await pool.query(`INSERT INTO "ConfigChange" ("kind") VALUES ('all')`)
  announceChanges()
}

/** One line per kind, for people: "sessions (RETENTION_SESSIONS_DAYS=365, before 2025-11-29): Session 12, …". */
export function describeReport(report: RetentionReport): string[] {
  return RETENTION_KINDS.map((k) => {
    const r = report.kinds[k]
    const rows = Object.entries(r.rows)
      .map(([table, n]) => `${table} ${n}`)
      .join(', ')
    return `${k} (${RETENTION_SETTING[k]}=${r.days}, before ${r.before.slice(0, 10)}): ${rows}`
  })
}
