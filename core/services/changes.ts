// The change log RADIUS caches follow (ConfigChange in schema.prisma). Call
// recordChange in the same transaction as the change itself, and
// announceChanges once it is committed.
import { EventEmitter } from 'node:events'
import type { Prisma, PrismaClient } from '../db/generated/client.js'

type Tx = PrismaClient | Prisma.TransactionClient

export type ChangeKind = 'nas' | 'site' | 'policy' | 'voucher' | 'all'

/**
 * Committed changes, for a RADIUS service in the same process, which reads
 * the change log at once instead of at its next poll: a disabled NAS or a
 * revoked voucher is refused from the next packet on. Copies in other
 * processes find the change on their poll (every 2 s).
 */
export const changeBus = new EventEmitter()
changeBus.setMaxListeners(0)

export function announceChanges(): void {
  changeBus.emit('changed')
}

export function recordChange(db: Tx, kind: ChangeKind, ref?: string | number) {
  return db.configChange.create({ data: { kind, ref: ref === undefined ? null : String(ref) } })
}

export interface Change {
  id: bigint
  kind: ChangeKind
  ref: string | null
}

export async function changesSince(db: Tx, lastId: bigint): Promise<Change[]> {
  const rows = await db.configChange.findMany({ where: { id: { gt: lastId } }, orderBy: { id: 'asc' }, take: 1000 })
  return rows.map((r) => ({ id: r.id, kind: r.kind as ChangeKind, ref: r.ref }))
}

export async function latestChangeId(db: Tx): Promise<bigint> {
  const row = await db.configChange.findFirst({ orderBy: { id: 'desc' }, select: { id: true } })
  return row?.id ?? 0n
}
