-- DropForeignKey
ALTER TABLE "Session" DROP CONSTRAINT "Session_nasId_fkey";

-- DropForeignKey
ALTER TABLE "Session" DROP CONSTRAINT "Session_siteId_fkey";

-- AlterTable
ALTER TABLE "AccessPoint" ADD COLUMN     "disabledAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "AdminUser" ADD COLUMN     "passwordChangedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "ip" TEXT;

-- AlterTable
ALTER TABLE "Site" ADD COLUMN     "archivedAt" TIMESTAMP(3),
ADD COLUMN     "latitude" DOUBLE PRECISION,
ADD COLUMN     "longitude" DOUBLE PRECISION,
ADD COLUMN     "ssid" TEXT;

-- CreateTable
CREATE TABLE "VoucherBatch" (
    "id" TEXT NOT NULL,
    "siteId" INTEGER,
    "count" INTEGER NOT NULL,
    "minutes" INTEGER,
    "maxDevices" INTEGER NOT NULL DEFAULT 1,
    "validUntil" TIMESTAMP(3),
    "note" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" TEXT,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "VoucherBatch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AdminSession" (
    "id" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "ip" TEXT,
    "userAgent" TEXT,

    CONSTRAINT "AdminSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AdminLoginFailure" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "username" TEXT NOT NULL,
    "ip" TEXT NOT NULL,

    CONSTRAINT "AdminLoginFailure_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "VoucherBatch_createdAt_idx" ON "VoucherBatch"("createdAt");

-- CreateIndex
CREATE INDEX "AdminSession_userId_idx" ON "AdminSession"("userId");

-- CreateIndex
CREATE INDEX "AdminSession_expiresAt_idx" ON "AdminSession"("expiresAt");

-- CreateIndex
CREATE INDEX "AdminLoginFailure_username_at_idx" ON "AdminLoginFailure"("username", "at");

-- CreateIndex
CREATE INDEX "AdminLoginFailure_ip_at_idx" ON "AdminLoginFailure"("ip", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_actor_at_idx" ON "AuditEvent"("actor", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_target_at_idx" ON "AuditEvent"("target", "at");

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_nasId_fkey" FOREIGN KEY ("nasId") REFERENCES "AccessPoint"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AdminSession" ADD CONSTRAINT "AdminSession_userId_fkey" FOREIGN KEY ("userId") REFERENCES "AdminUser"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Batches issued before this migration (by `voucher create`): one row each.
INSERT INTO "VoucherBatch" ("id", "siteId", "count", "minutes", "maxDevices", "validUntil", "createdAt", "createdBy")
SELECT "batch", min("siteId"), count(*)::int, max("minutes"), max("maxDevices"), max("validUntil"), min("createdAt"), min("createdBy")
FROM "Voucher" WHERE "batch" IS NOT NULL GROUP BY "batch";
