-- AlterTable
ALTER TABLE "AccessPoint" ADD COLUMN     "allowInsecureFas" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "loginHosts" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateIndex
CREATE INDEX "Session_nasId_framedIp_idx" ON "Session"("nasId", "framedIp");
