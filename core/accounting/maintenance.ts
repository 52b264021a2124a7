// Periodic upkeep of accounting: sessions that stopped reporting, peak
// concurrency for the statistics, and when each NAS was last heard from.
import type { PrismaClient } from '../db/generated/client.js'
import { hourOf } from '../auth/periods.js'

/** Extra time beyond two missed interim updates before a session counts as stale. */
export const STALE_GRACE_SECONDS = 120

/**
 * Closes sessions with no update for 2 × their interim interval plus grace:
 * the NAS lost power or the Stop was lost. They end at their last update.
 */
export async function closeStaleSessions(prisma: PrismaClient, now: Date, graceSeconds = STALE_GRACE_SECONDS): Promise<number> {
  return prisma.$executeRaw`
    UPDATE "Session" SET "stoppedAt" = "updatedAt", "closeReason" = 'stale'
    WHERE "stoppedAt" IS NULL
      AND "updatedAt" < ${now}::timestamp - make_interval(secs => 2 * "interimSeconds" + ${graceSeconds})`
}

/** Records the sessions open now per site as this hour's peak, when higher. */
export async function samplePeakConcurrency(prisma: PrismaClient, now: Date): Promise<number> {
  const hour = hourOf(now)
  return prisma.$executeRaw`
    INSERT INTO "UsageHourly" AS u ("siteId", "hour", "peakConcurrent")
    SELECT "siteId", ${hour}::timestamp, count(*)::int FROM "Session" WHERE "stoppedAt" IS NULL GROUP BY "siteId" ORDER BY "siteId"
    ON CONFLICT ("siteId", "hour") DO UPDATE SET "peakConcurrent" = GREATEST(u."peakConcurrent", EXCLUDED."peakConcurrent")`
}

/**
 * Adds what accounting batches left in UsageHourlyPending to UsageHourly.
 * Each pending row is deleted by the statement that adds it, so two
 * processes folding at once never count one twice. Returns the rows folded.
 */
export async function foldPendingUsage(prisma: PrismaClient): Promise<number> {
  const rows = await prisma.$queryRaw<{ n: number }[]>`
    WITH taken AS (DELETE FROM "UsageHourlyPending" RETURNING *),
    sums AS (
      SELECT "siteId", "hour", sum("sessionsStarted")::int AS started, sum("uniqueDevices")::int AS devices,
        sum("sessionSeconds")::bigint AS seconds, sum("inputOctets")::bigint AS input, sum("outputOctets")::bigint AS output,
        count(*)::int AS n
      FROM taken GROUP BY 1, 2),
    folded AS (
      INSERT INTO "UsageHourly" AS u ("siteId", "hour", "sessionsStarted", "uniqueDevices", "sessionSeconds", "inputOctets", "outputOctets")
      SELECT "siteId", "hour", started, devices, seconds, input, output FROM sums ORDER BY 1, 2
      ON CONFLICT ("siteId", "hour") DO UPDATE SET
        "sessionsStarted" = u."sessionsStarted" + EXCLUDED."sessionsStarted",
        "uniqueDevices" = u."uniqueDevices" + EXCLUDED."uniqueDevices",
        "sessionSeconds" = u."sessionSeconds" + EXCLUDED."sessionSeconds",
        "inputOctets" = u."inputOctets" + EXCLUDED."inputOctets",
        "outputOctets" = u."outputOctets" + EXCLUDED."outputOctets"
      RETURNING 1)
    SELECT COALESCE(sum(n), 0)::int AS n FROM sums`
  return rows[0]?.n ?? 0
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
