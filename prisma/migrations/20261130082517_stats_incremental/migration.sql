-- The fold keeps each hour's figures by difference (core/stats/fold.ts):
-- each device's parts per hour, and an index to find the parts that overlap
-- a span. Hours whose parts are still kept get their device rows from them,
-- so the first fold after this migration counts on from where they stand.
-- DropIndex
DROP INDEX "StatsPiece_hour_siteId_idx";

-- CreateTable
CREATE TABLE "StatsHourDevice" (
    "scope" INTEGER NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "deviceId" INTEGER NOT NULL,
    "parts" INTEGER NOT NULL,

    CONSTRAINT "StatsHourDevice_pkey" PRIMARY KEY ("scope","hour","deviceId")
);

-- CreateIndex
CREATE INDEX "StatsPiece_hour_siteId_endAt_idx" ON "StatsPiece"("hour", "siteId", "endAt");


INSERT INTO "StatsHourDevice" ("scope", "hour", "deviceId", "parts")
SELECT "siteId", "hour", "deviceId", count(*)::int FROM "StatsPiece" WHERE "deviceId" IS NOT NULL GROUP BY 1, 2, 3
UNION ALL
SELECT 0, "hour", "deviceId", count(*)::int FROM "StatsPiece" WHERE "deviceId" IS NOT NULL GROUP BY 2, 3;
