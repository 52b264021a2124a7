// Periodic upkeep of accounting: sessions that stopped reporting, and when
// each NAS was last heard from. (The statistics' fold is core/stats/fold.ts.)
import type { PrismaClient } from '../db/generated/client.js'
import { closingWithPending } from '../stats/pending.js'

/** Extra time beyond two missed interim updates before a session counts as stale. */
export const STALE_GRACE_SECONDS = 120

/**
 * Closes sessions with no update for 2 × their interim interval plus grace:
 * the NAS lost power or the Stop was lost. They end at their last update,
 * and are left for the statistics' fold like any other change.
 */
export async function closeStaleSessions(prisma: PrismaClient, now: Date, graceSeconds = STALE_GRACE_SECONDS): Promise<number> {
  return prisma.$executeRawUnsafe(
    closingWithPending(`
    UPDATE "Session" SET "stoppedAt" = "updatedAt", "closeReason" = 'stale'
    WHERE "stoppedAt" IS NULL
      AND "updatedAt" < $1::timestamp - make_interval(secs => 2 * "interimSeconds" + $2::int)
    RETURNING id, "siteId", "updatedAt"`),
    now,
    graceSeconds,
  )
}

export async function openSessionCount(prisma: PrismaClient): Promise<number> {
  return prisma.session.count({ where: { stoppedAt: null } })
}

export async function markNasSeen(prisma: PrismaClient, seen: Map<number, Date>): Promise<void> {
  if (!seen.size) return
  const ids = [...seen.keys()].sort((a, b) => a - b)
  // updateMany: a NAS deleted meanwhile is simply not there to update.
  await prisma.$transaction(ids.map((id) => prisma.accessPoint.updateMany({ where: { id }, data: { lastSeenAt: seen.get(id)! } })))
}
