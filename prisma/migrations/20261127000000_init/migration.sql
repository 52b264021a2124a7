-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "NasVendor" AS ENUM ('coovachilli', 'mikrotik', 'opennds', 'generic');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('admin', 'operator', 'viewer');

-- CreateEnum
CREATE TYPE "LoginMethod" AS ENUM ('click_through', 'otp', 'voucher', 'mac');

-- CreateEnum
CREATE TYPE "SessionCloseReason" AS ENUM ('stop', 'nas_reboot', 'stale', 'admin');

-- CreateEnum
CREATE TYPE "CoaKind" AS ENUM ('disconnect', 'coa');

-- CreateEnum
CREATE TYPE "CoaState" AS ENUM ('pending', 'sent', 'acked', 'nakked', 'timeout', 'failed');

-- CreateTable
CREATE TABLE "Site" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT,
    "allowClickThrough" BOOLEAN NOT NULL DEFAULT true,
    "allowVoucher" BOOLEAN NOT NULL DEFAULT true,
    "allowOtp" BOOLEAN NOT NULL DEFAULT false,
    "otpRequired" BOOLEAN NOT NULL DEFAULT false,
    "links" JSONB NOT NULL DEFAULT '[]',
    "landingUrl" TEXT,
    "logoPath" TEXT,
    "policyId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Site_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Policy" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "sessionMinutes" INTEGER NOT NULL DEFAULT 30,
    "idleMinutes" INTEGER NOT NULL DEFAULT 10,
    "interimSeconds" INTEGER NOT NULL DEFAULT 300,
    "downKbps" INTEGER,
    "upKbps" INTEGER,
    "sessionMegabytes" INTEGER,
    "dailyMinutes" INTEGER,
    "dailyMegabytes" INTEGER,
    "monthlyMinutes" INTEGER,
    "monthlyMegabytes" INTEGER,
    "simultaneousUse" INTEGER NOT NULL DEFAULT 1,
    "consentDays" INTEGER NOT NULL DEFAULT 30,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Policy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccessPoint" (
    "id" SERIAL NOT NULL,
    "siteId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "vendor" "NasVendor" NOT NULL DEFAULT 'generic',
    "secretEnc" TEXT NOT NULL,
    "uamSecretEnc" TEXT,
    "coaPort" INTEGER NOT NULL DEFAULT 3799,
    "allowMissingMessageAuthenticator" BOOLEAN NOT NULL DEFAULT false,
    "language" TEXT NOT NULL DEFAULT 'vi',
    "lastSeenAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AccessPoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Device" (
    "id" SERIAL NOT NULL,
    "mac" TEXT NOT NULL,
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Device_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Terms" (
    "id" SERIAL NOT NULL,
    "version" TEXT NOT NULL,
    "summaryVi" TEXT NOT NULL,
    "summaryEn" TEXT NOT NULL,
    "bodyVi" TEXT NOT NULL,
    "bodyEn" TEXT NOT NULL,
    "effectiveAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Terms_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Consent" (
    "id" SERIAL NOT NULL,
    "deviceId" INTEGER NOT NULL,
    "siteId" INTEGER NOT NULL,
    "termsId" INTEGER NOT NULL,
    "method" "LoginMethod" NOT NULL,
    "phoneHash" TEXT,
    "acceptedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "requestKey" TEXT,

    CONSTRAINT "Consent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Credential" (
    "id" SERIAL NOT NULL,
    "username" TEXT NOT NULL,
    "passwordEnc" TEXT NOT NULL,
    "method" "LoginMethod" NOT NULL,
    "deviceId" INTEGER NOT NULL,
    "siteId" INTEGER NOT NULL,
    "nasId" INTEGER,
    "consentId" INTEGER,
    "voucherId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),

    CONSTRAINT "Credential_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Voucher" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "siteId" INTEGER,
    "batch" TEXT,
    "minutes" INTEGER,
    "maxDevices" INTEGER NOT NULL DEFAULT 1,
    "validUntil" TIMESTAMP(3),
    "firstUsedAt" TIMESTAMP(3),
    "usedSeconds" INTEGER NOT NULL DEFAULT 0,
    "revokedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" TEXT,

    CONSTRAINT "Voucher_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VoucherDevice" (
    "voucherId" INTEGER NOT NULL,
    "deviceId" INTEGER NOT NULL,
    "slot" INTEGER NOT NULL,
    "firstAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VoucherDevice_pkey" PRIMARY KEY ("voucherId","deviceId")
);

-- CreateTable
CREATE TABLE "OtpChallenge" (
    "id" SERIAL NOT NULL,
    "siteId" INTEGER NOT NULL,
    "phoneHash" TEXT NOT NULL,
    "mac" TEXT,
    "codeHash" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "sentCount" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSentAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "verifiedAt" TIMESTAMP(3),

    CONSTRAINT "OtpChallenge_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" BIGSERIAL NOT NULL,
    "nasId" INTEGER NOT NULL,
    "siteId" INTEGER NOT NULL,
    "acctSessionId" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "method" "LoginMethod",
    "deviceId" INTEGER,
    "voucherId" INTEGER,
    "authorized" BOOLEAN NOT NULL DEFAULT true,
    "framedIp" TEXT,
    "calledStation" TEXT,
    "nasPort" TEXT,
    "nasIp" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "stoppedAt" TIMESTAMP(3),
    "sessionSeconds" INTEGER NOT NULL DEFAULT 0,
    "inputOctets" BIGINT NOT NULL DEFAULT 0,
    "outputOctets" BIGINT NOT NULL DEFAULT 0,
    "interimSeconds" INTEGER NOT NULL DEFAULT 300,
    "terminateCause" TEXT,
    "closeReason" "SessionCloseReason",

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeviceUsageDaily" (
    "deviceId" INTEGER NOT NULL,
    "day" DATE NOT NULL,
    "seconds" INTEGER NOT NULL DEFAULT 0,
    "octets" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "DeviceUsageDaily_pkey" PRIMARY KEY ("deviceId","day")
);

-- CreateTable
CREATE TABLE "UsageHourly" (
    "siteId" INTEGER NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "sessionsStarted" INTEGER NOT NULL DEFAULT 0,
    "uniqueDevices" INTEGER NOT NULL DEFAULT 0,
    "sessionSeconds" BIGINT NOT NULL DEFAULT 0,
    "inputOctets" BIGINT NOT NULL DEFAULT 0,
    "outputOctets" BIGINT NOT NULL DEFAULT 0,
    "peakConcurrent" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "UsageHourly_pkey" PRIMARY KEY ("siteId","hour")
);

-- CreateTable
CREATE TABLE "UsageHourlyPending" (
    "id" BIGSERIAL NOT NULL,
    "siteId" INTEGER NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "sessionsStarted" INTEGER NOT NULL DEFAULT 0,
    "uniqueDevices" INTEGER NOT NULL DEFAULT 0,
    "sessionSeconds" BIGINT NOT NULL DEFAULT 0,
    "inputOctets" BIGINT NOT NULL DEFAULT 0,
    "outputOctets" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "UsageHourlyPending_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UsageHourlyDevice" (
    "siteId" INTEGER NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "deviceId" INTEGER NOT NULL,

    CONSTRAINT "UsageHourlyDevice_pkey" PRIMARY KEY ("siteId","hour","deviceId")
);

-- CreateTable
CREATE TABLE "AuthHourly" (
    "siteId" INTEGER NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "result" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "AuthHourly_pkey" PRIMARY KEY ("siteId","hour","result","reason")
);

-- CreateTable
CREATE TABLE "LinkClickHourly" (
    "siteId" INTEGER NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "linkKey" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "LinkClickHourly_pkey" PRIMARY KEY ("siteId","hour","linkKey")
);

-- CreateTable
CREATE TABLE "CoaRequest" (
    "id" SERIAL NOT NULL,
    "kind" "CoaKind" NOT NULL,
    "nasId" INTEGER NOT NULL,
    "sessionId" BIGINT,
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "state" "CoaState" NOT NULL DEFAULT 'pending',
    "errorCause" INTEGER,
    "detail" TEXT,
    "requestedBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "CoaRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AdminUser" (
    "id" SERIAL NOT NULL,
    "username" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "disabledAt" TIMESTAMP(3),
    "lastLoginAt" TIMESTAMP(3),

    CONSTRAINT "AdminUser_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConfigChange" (
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "ref" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConfigChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Site_name_key" ON "Site"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Policy_name_key" ON "Policy"("name");

-- CreateIndex
CREATE UNIQUE INDEX "AccessPoint_name_key" ON "AccessPoint"("name");

-- CreateIndex
CREATE UNIQUE INDEX "AccessPoint_address_key" ON "AccessPoint"("address");

-- CreateIndex
CREATE UNIQUE INDEX "Device_mac_key" ON "Device"("mac");

-- CreateIndex
CREATE UNIQUE INDEX "Terms_version_key" ON "Terms"("version");

-- CreateIndex
CREATE UNIQUE INDEX "Consent_requestKey_key" ON "Consent"("requestKey");

-- CreateIndex
CREATE INDEX "Consent_deviceId_expiresAt_idx" ON "Consent"("deviceId", "expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "Credential_username_key" ON "Credential"("username");

-- CreateIndex
CREATE INDEX "Credential_expiresAt_idx" ON "Credential"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "Voucher_code_key" ON "Voucher"("code");

-- CreateIndex
CREATE INDEX "Voucher_batch_idx" ON "Voucher"("batch");

-- CreateIndex
CREATE UNIQUE INDEX "VoucherDevice_voucherId_slot_key" ON "VoucherDevice"("voucherId", "slot");

-- CreateIndex
CREATE INDEX "OtpChallenge_phoneHash_createdAt_idx" ON "OtpChallenge"("phoneHash", "createdAt");

-- CreateIndex
CREATE INDEX "OtpChallenge_mac_createdAt_idx" ON "OtpChallenge"("mac", "createdAt");

-- CreateIndex
CREATE INDEX "Session_stoppedAt_updatedAt_idx" ON "Session"("stoppedAt", "updatedAt");

-- CreateIndex
CREATE INDEX "Session_deviceId_startedAt_idx" ON "Session"("deviceId", "startedAt");

-- CreateIndex
CREATE INDEX "Session_username_idx" ON "Session"("username");

-- CreateIndex
CREATE UNIQUE INDEX "Session_nasId_acctSessionId_key" ON "Session"("nasId", "acctSessionId");

-- CreateIndex
CREATE INDEX "CoaRequest_state_createdAt_idx" ON "CoaRequest"("state", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "AdminUser_username_key" ON "AdminUser"("username");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

-- CreateIndex
CREATE INDEX "ConfigChange_at_idx" ON "ConfigChange"("at");

-- AddForeignKey
ALTER TABLE "Site" ADD CONSTRAINT "Site_policyId_fkey" FOREIGN KEY ("policyId") REFERENCES "Policy"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessPoint" ADD CONSTRAINT "AccessPoint_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Consent" ADD CONSTRAINT "Consent_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Consent" ADD CONSTRAINT "Consent_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Consent" ADD CONSTRAINT "Consent_termsId_fkey" FOREIGN KEY ("termsId") REFERENCES "Terms"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Credential" ADD CONSTRAINT "Credential_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Credential" ADD CONSTRAINT "Credential_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Credential" ADD CONSTRAINT "Credential_nasId_fkey" FOREIGN KEY ("nasId") REFERENCES "AccessPoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Credential" ADD CONSTRAINT "Credential_consentId_fkey" FOREIGN KEY ("consentId") REFERENCES "Consent"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Credential" ADD CONSTRAINT "Credential_voucherId_fkey" FOREIGN KEY ("voucherId") REFERENCES "Voucher"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Voucher" ADD CONSTRAINT "Voucher_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VoucherDevice" ADD CONSTRAINT "VoucherDevice_voucherId_fkey" FOREIGN KEY ("voucherId") REFERENCES "Voucher"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VoucherDevice" ADD CONSTRAINT "VoucherDevice_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OtpChallenge" ADD CONSTRAINT "OtpChallenge_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_nasId_fkey" FOREIGN KEY ("nasId") REFERENCES "AccessPoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceUsageDaily" ADD CONSTRAINT "DeviceUsageDaily_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UsageHourly" ADD CONSTRAINT "UsageHourly_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UsageHourlyPending" ADD CONSTRAINT "UsageHourlyPending_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuthHourly" ADD CONSTRAINT "AuthHourly_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LinkClickHourly" ADD CONSTRAINT "LinkClickHourly_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CoaRequest" ADD CONSTRAINT "CoaRequest_nasId_fkey" FOREIGN KEY ("nasId") REFERENCES "AccessPoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CoaRequest" ADD CONSTRAINT "CoaRequest_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "Session"("id") ON DELETE SET NULL ON UPDATE CASCADE;
