// Periodic jobs that must run once however many copies of citywifi share a
// PostgreSQL database (stale sessions, statistics rollups, purges): each job
// has a row in "JobLease"; a copy runs the job only if it moves the row to
// the current period, and no other copy's run is still under way. The
// statement is one atomic upsert, so two copies ticking at the same moment
// cannot both win. On the embedded database there is only one copy; the
// same code runs there too.
import os from 'node:os'
import type pg from 'pg'

// The period number, computed by the database: the copies' clocks may differ, its clock is one.
const CLAIM = `
INSERT INTO "JobLease" AS l (name, holder, slot, "leaseUntil", runs)
VALUES ($1, $2, floor(extract(epoch FROM now()) * 1000 / $3::float8)::bigint, (now() AT TIME ZONE 'UTC') + make_interval(secs => $4::float8 / 1000), 1)
ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, slot = EXCLUDED.slot, "leaseUntil" = EXCLUDED."leaseUntil", runs = l.runs + 1
WHERE l.slot < EXCLUDED.slot AND l."leaseUntil" <= (now() AT TIME ZONE 'UTC')
RETURNING slot::text`

const RELEASE = `UPDATE "JobLease" SET "leaseUntil" = now() AT TIME ZONE 'UTC' WHERE name = $1 AND holder = $2 AND slot = $3::bigint`

export interface LeaseOptions {
  /** How long a run may take before another copy may start the job anyway (a copy that died mid-run). Default: the period, at least a minute. */
  leaseMs?: number
}

export class JobLeases {
  /** Periods this copy won, per job (tests and logs). */
  readonly won = new Map<string, number[]>()

  constructor(
    private readonly pool: pg.Pool,
    readonly holder = `${os.hostname()}:${process.pid}`,
  ) {}

  /**
   * Runs `fn` if this copy is the one to run job `name` in the current period
   * of `periodMs`; resolves with whether it ran. A failure of `fn` is the
   * caller's; the period counts as taken either way (the next period tries again).
   */
  async runOnce(name: string, periodMs: number, fn: () => Promise<unknown>, options: LeaseOptions = {}): Promise<boolean> {
    const leaseMs = options.leaseMs ?? Math.max(periodMs, 60_000)
    const res = await this.pool.query<{ slot: string }>(CLAIM, [name, this.holder, periodMs, leaseMs])
    const slot = res.rows[0]?.slot
    if (slot === undefined) return false
    const list = this.won.get(name) ?? []
    if (list.length > 1000) list.splice(0, list.length - 1000)
    list.push(Number(slot))
    this.won.set(name, list)
    try {
      await fn()
    } finally {
      await this.pool.query(RELEASE, [name, this.holder, slot]).catch(() => {
        // The lease ends by itself at leaseUntil.
      })
    }
    return true
  }
}
