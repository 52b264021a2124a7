-- SMS send budgets shared by every copy of the portal: one row per limit key
-- and fixed window, counted up atomically (INSERT … ON CONFLICT DO UPDATE … WHERE).
CREATE TABLE "SmsLimitCounter" (
    "key" TEXT NOT NULL,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "SmsLimitCounter_pkey" PRIMARY KEY ("key","windowStart")
);

CREATE INDEX "SmsLimitCounter_windowStart_idx" ON "SmsLimitCounter"("windowStart");
