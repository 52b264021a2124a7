// Large batches are made in the background while the page shows progress
// (it reloads itself; no JavaScript needed). The job lives in the admin
// process that started it; the batch itself is one transaction in the
// database, so a crash leaves no half batch.
import { randomBytes } from 'node:crypto'

export interface VoucherJob {
  id: string
  done: number
  total: number
  batch?: string
  error?: { message: string; key?: string; vars?: Record<string, string | number> }
  startedAt: number
  by: string
}

const jobs = new Map<string, VoucherJob>()
const KEEP_MS = 3600_000

export function startJob(total: number, by: string, run: (progress: (done: number) => void) => Promise<string>): VoucherJob {
  for (const [id, j] of jobs) if (Date.now() - j.startedAt > KEEP_MS) jobs.delete(id)
  const job: VoucherJob = { id: randomBytes(9).toString('base64url'), done: 0, total, startedAt: Date.now(), by }
  jobs.set(job.id, job)
  run((done) => (job.done = done)).then(
    (batch) => {
      job.batch = batch
      job.done = total
    },
    (err: Error & { key?: string; vars?: Record<string, string | number> }) => (job.error = { message: err.message, key: err.key, vars: err.vars }),
  )
  return job
}

export function getJob(id: string, by: string): VoucherJob | undefined {
  const j = jobs.get(id)
  return j && j.by === by ? j : undefined
}
