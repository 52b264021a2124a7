-- CreateTable
CREATE TABLE "JobLease" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "slot" BIGINT NOT NULL,
    "leaseUntil" TIMESTAMP(3) NOT NULL,
    "runs" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "JobLease_pkey" PRIMARY KEY ("name")
);
