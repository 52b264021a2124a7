// The audit log: who changed what (and who looked up whose personal data),
// when, from where, with the values before and after. Append-only: nothing
// in citywifi updates an AuditEvent, and only the retention purge deletes
// them, once older than RETENTION_AUDIT_DAYS (core/services/retention.ts).
import type { AuditEvent, Prisma, PrismaClient } from '../db/generated/client.js'

type Tx = PrismaClient | Prisma.TransactionClient

/** Who acts: a name ("cli:root", "admin:lan", "token:3:backup") and, from the admin app, the client address. */
export type Actor = string | { name: string; ip?: string | null }

export function actorName(actor: Actor): string {
  return typeof actor === 'string' ? actor : actor.name
}

/** Records who changed what. Details must never hold a secret, password or token. */
export function auditEvent(db: Tx, actor: Actor, action: string, target?: string, detail: Prisma.InputJsonObject = {}) {
  const ip = typeof actor === 'string' ? null : (actor.ip ?? null)
  return db.auditEvent.create({ data: { actor: actorName(actor), action, target, detail, ip } })
}

type Plain = Record<string, unknown>

const jsonValue = (v: unknown): Prisma.InputJsonValue | null => {
  if (v === undefined || v === null) return null
  if (v instanceof Date) return v.toISOString()
  if (typeof v === 'bigint') return v.toString()
  return v as Prisma.InputJsonValue
}

/** The fields of `keys` that differ between two versions of a row, as {before, after} for an audit detail. */
export function changes(before: Plain, after: Plain, keys: readonly string[]): { before: Prisma.InputJsonObject; after: Prisma.InputJsonObject } {
  const b: Record<string, Prisma.InputJsonValue | null> = {}
  const a: Record<string, Prisma.InputJsonValue | null> = {}
  for (const k of keys) {
    const x = jsonValue(before[k])
    const y = jsonValue(after[k])
    if (JSON.stringify(x) !== JSON.stringify(y)) {
      b[k] = x
      a[k] = y
    }
  }
  return { before: b, after: a }
}

export interface AuditQuery {
  actor?: string
  /** An action or its prefix: "nas" finds nas.create, nas.update, … */
  action?: string
  target?: string
  from?: Date
  to?: Date
  /** Events older than this id (the previous page's nextCursor). */
  cursor?: number
  limit?: number
}

export async function listAudit(prisma: PrismaClient, q: AuditQuery): Promise<{ items: AuditEvent[]; nextCursor: number | null }> {
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 500)
  const where: Prisma.AuditEventWhereInput = {}
  if (q.actor) where.actor = { contains: q.actor, mode: 'insensitive' }
  if (q.action) where.OR = [{ action: q.action }, { action: { startsWith: `${q.action}.` } }]
  if (q.target) where.target = q.target
  if (q.from || q.to) where.at = { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lt: q.to } : {}) }
  if (q.cursor) where.id = { lt: q.cursor }
  const rows = await prisma.auditEvent.findMany({ where, orderBy: { id: 'desc' }, take: limit + 1 })
  const more = rows.length > limit
  const items = more ? rows.slice(0, limit) : rows
  return { items, nextCursor: more ? items.at(-1)!.id : null }
}
