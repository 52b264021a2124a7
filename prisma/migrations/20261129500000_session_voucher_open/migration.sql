-- A voucher login counts the voucher's open sessions: by voucher, not by
-- scanning every open session of the network.
CREATE INDEX "Session_voucherId_stoppedAt_idx" ON "Session"("voucherId", "stoppedAt");
