-- CreateTable
CREATE TABLE "StatsHourly" (
    "scope" INTEGER NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "sessions" INTEGER NOT NULL DEFAULT 0,
    "uniqueDevices" INTEGER NOT NULL DEFAULT 0,
    "sessionSeconds" BIGINT NOT NULL DEFAULT 0,
    "inputOctets" BIGINT NOT NULL DEFAULT 0,
    "outputOctets" BIGINT NOT NULL DEFAULT 0,
    "peakConcurrent" INTEGER NOT NULL DEFAULT 0,
    "endedSessions" INTEGER NOT NULL DEFAULT 0,
    "endedSeconds" BIGINT NOT NULL DEFAULT 0,
    "clickThrough" INTEGER NOT NULL DEFAULT 0,
    "otp" INTEGER NOT NULL DEFAULT 0,
    "voucher" INTEGER NOT NULL DEFAULT 0,
    "mac" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "StatsHourly_pkey" PRIMARY KEY ("scope","hour")
);

-- CreateTable
CREATE TABLE "StatsDuration" (
    "scope" INTEGER NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "minute" INTEGER NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "StatsDuration_pkey" PRIMARY KEY ("scope","hour","minute")
);

-- CreateTable
CREATE TABLE "StatsDurationDaily" (
    "scope" INTEGER NOT NULL,
    "day" DATE NOT NULL,
    "minute" INTEGER NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "StatsDurationDaily_pkey" PRIMARY KEY ("scope","day","minute")
);

-- CreateTable
CREATE TABLE "StatsPending" (
    "id" BIGSERIAL NOT NULL,
    "sessionId" BIGINT NOT NULL,
    "siteId" INTEGER NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "inputOctets" BIGINT NOT NULL DEFAULT 0,
    "outputOctets" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "StatsPending_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StatsPiece" (
    "sessionId" BIGINT NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "siteId" INTEGER NOT NULL,
    "deviceId" INTEGER,
    "method" "LoginMethod",
    "startAt" TIMESTAMP(3) NOT NULL,
    "endAt" TIMESTAMP(3) NOT NULL,
    "started" BOOLEAN NOT NULL,
    "ended" BOOLEAN NOT NULL,
    "seconds" INTEGER NOT NULL,

    CONSTRAINT "StatsPiece_pkey" PRIMARY KEY ("sessionId","hour")
);

-- CreateTable
CREATE TABLE "StatsDevicePeriod" (
    "scope" INTEGER NOT NULL,
    "period" TEXT NOT NULL,
    "start" DATE NOT NULL,
    "deviceId" INTEGER NOT NULL,

    CONSTRAINT "StatsDevicePeriod_pkey" PRIMARY KEY ("scope","period","start","deviceId")
);

-- CreateTable
CREATE TABLE "StatsUnique" (
    "scope" INTEGER NOT NULL,
    "period" TEXT NOT NULL,
    "start" DATE NOT NULL,
    "devices" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "StatsUnique_pkey" PRIMARY KEY ("scope","period","start")
);

-- CreateTable
CREATE TABLE "StatsFirstSeen" (
    "scope" INTEGER NOT NULL,
    "deviceId" INTEGER NOT NULL,
    "firstAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "StatsFirstSeen_pkey" PRIMARY KEY ("scope","deviceId")
);

-- CreateTable
CREATE TABLE "StatsAuthHourly" (
    "scope" INTEGER NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "result" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "StatsAuthHourly_pkey" PRIMARY KEY ("scope","hour","result","reason")
);

-- CreateTable
CREATE TABLE "StatsLinkHourly" (
    "scope" INTEGER NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "linkKey" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "StatsLinkHourly_pkey" PRIMARY KEY ("scope","hour","linkKey")
);

-- CreateIndex
CREATE INDEX "StatsPiece_hour_siteId_idx" ON "StatsPiece"("hour", "siteId");

-- CreateIndex
CREATE INDEX "StatsFirstSeen_scope_firstAt_idx" ON "StatsFirstSeen"("scope", "firstAt");

-- AddForeignKey
ALTER TABLE "StatsDevicePeriod" ADD CONSTRAINT "StatsDevicePeriod_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StatsFirstSeen" ADD CONSTRAINT "StatsFirstSeen_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Statistics kept so far move to the new tables (scope 0: all sites). Peaks
-- of all sites before this migration are the sum of the sites' (an upper
-- bound); distinct devices of all sites come from the hourly device lists
-- where they are still kept, otherwise from the sum of the sites'.
INSERT INTO "UsageHourly" ("siteId", "hour", "sessionsStarted", "uniqueDevices", "sessionSeconds", "inputOctets", "outputOctets")
SELECT "siteId", "hour", sum("sessionsStarted"), sum("uniqueDevices"), sum("sessionSeconds"), sum("inputOctets"), sum("outputOctets")
FROM "UsageHourlyPending" GROUP BY 1, 2
ON CONFLICT ("siteId", "hour") DO UPDATE SET
  "sessionsStarted" = "UsageHourly"."sessionsStarted" + EXCLUDED."sessionsStarted",
  "uniqueDevices" = "UsageHourly"."uniqueDevices" + EXCLUDED."uniqueDevices",
  "sessionSeconds" = "UsageHourly"."sessionSeconds" + EXCLUDED."sessionSeconds",
  "inputOctets" = "UsageHourly"."inputOctets" + EXCLUDED."inputOctets",
  "outputOctets" = "UsageHourly"."outputOctets" + EXCLUDED."outputOctets";

INSERT INTO "StatsHourly" ("scope", "hour", "sessions", "uniqueDevices", "sessionSeconds", "inputOctets", "outputOctets", "peakConcurrent")
SELECT "siteId", "hour", "sessionsStarted", "uniqueDevices", "sessionSeconds", "inputOctets", "outputOctets", "peakConcurrent" FROM "UsageHourly";

INSERT INTO "StatsHourly" ("scope", "hour", "sessions", "uniqueDevices", "sessionSeconds", "inputOctets", "outputOctets", "peakConcurrent")
SELECT 0, u."hour", sum(u."sessionsStarted")::int, COALESCE(max(d.n), sum(u."uniqueDevices"))::int, sum(u."sessionSeconds"), sum(u."inputOctets"), sum(u."outputOctets"), sum(u."peakConcurrent")::int
FROM "UsageHourly" u
LEFT JOIN (SELECT "hour", count(DISTINCT "deviceId") AS n FROM "UsageHourlyDevice" GROUP BY 1) d ON d."hour" = u."hour"
GROUP BY u."hour";

INSERT INTO "StatsAuthHourly" ("scope", "hour", "result", "reason", "count")
SELECT "siteId", "hour", "result", "reason", "count" FROM "AuthHourly"
UNION ALL
SELECT 0, "hour", "result", "reason", sum("count")::int FROM "AuthHourly" GROUP BY "hour", "result", "reason";

INSERT INTO "StatsLinkHourly" ("scope", "hour", "linkKey", "count")
SELECT "siteId", "hour", "linkKey", "count" FROM "LinkClickHourly"
UNION ALL
SELECT 0, "hour", "linkKey", sum("count")::int FROM "LinkClickHourly" GROUP BY "hour", "linkKey";

-- When each device was first online, from the sessions still kept.
INSERT INTO "StatsFirstSeen" ("scope", "deviceId", "firstAt")
SELECT "siteId", "deviceId", min("startedAt") FROM "Session" WHERE "deviceId" IS NOT NULL GROUP BY 1, 2
UNION ALL
SELECT 0, "deviceId", min("startedAt") FROM "Session" WHERE "deviceId" IS NOT NULL GROUP BY 2;

-- DropForeignKey
ALTER TABLE "AuthHourly" DROP CONSTRAINT "AuthHourly_siteId_fkey";

-- DropForeignKey
ALTER TABLE "LinkClickHourly" DROP CONSTRAINT "LinkClickHourly_siteId_fkey";

-- DropForeignKey
ALTER TABLE "UsageHourly" DROP CONSTRAINT "UsageHourly_siteId_fkey";

-- DropForeignKey
ALTER TABLE "UsageHourlyPending" DROP CONSTRAINT "UsageHourlyPending_siteId_fkey";

-- DropTable
DROP TABLE "AuthHourly";

-- DropTable
DROP TABLE "LinkClickHourly";

-- DropTable
DROP TABLE "UsageHourly";

-- DropTable
DROP TABLE "UsageHourlyDevice";

-- DropTable
DROP TABLE "UsageHourlyPending";

