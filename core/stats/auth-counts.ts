// Access-Accept and Access-Reject counts per site, hour, result and reason
// (the rejects by reason officials read), added up in memory and written
// every few seconds: statistics must not put a database write on every
// login. Each flush is one statement, for the sites and for all sites.
import type { PrismaClient } from '../db/generated/client.js'
import type { Logger } from '../logger.js'
import { hourOf } from './calendar.js'

interface PendingCount {
  siteId: number
  hour: Date
  result: string
  reason: string
  count: number
}

const ADD_COUNTS = `
INSERT INTO "StatsAuthHourly" AS a ("scope", "hour", "result", "reason", "count")
SELECT scope, h, r, why, sum(n)::int FROM (
  SELECT s AS scope, h, r, why, n FROM json_to_recordset($1::json) AS t(s int, h timestamp, r text, why text, n int)
  UNION ALL SELECT 0, h, r, why, n FROM json_to_recordset($1::json) AS t(s int, h timestamp, r text, why text, n int)) x
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
ON CONFLICT ("scope", "hour", "result", "reason") DO UPDATE SET "count" = a."count" + EXCLUDED."count"`

const utc = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '')

export class AuthStats {
  #pending = new Map<string, PendingCount>()
  /** The entry counted last, in #pending (flush() forgets it with the map). */
  #last: { siteId: number; hourMs: number; result: string; reason: string; entry: PendingCount } | undefined

  constructor(
    private readonly prisma: PrismaClient,
    private readonly log: Logger,
  ) {}

  count(siteId: number, at: Date, result: 'accept' | 'reject', reason: string, n = 1) {
    const hourMs = Math.floor(at.getTime() / 3_600_000) * 3_600_000
    // Logins come in runs of the same site, hour and outcome: the last entry
    // is checked first, without building a key string.
    const last = this.#last
    if (last && last.siteId === siteId && last.hourMs === hourMs && last.result === result && last.reason === reason) {
      last.entry.count += n
      return
    }
    const key = `${siteId}|${hourMs}|${result}|${reason}`
    let e = this.#pending.get(key)
    if (e) e.count += n
    else this.#pending.set(key, (e = { siteId, hour: hourOf(at), result, reason, count: n }))
    this.#last = { siteId, hourMs, result, reason, entry: e }
  }

  async flush(): Promise<void> {
    if (!this.#pending.size) return
    const batch = [...this.#pending.values()]
    this.#pending = new Map()
    this.#last = undefined
    try {
      const rows = batch.map((e) => ({ s: e.siteId, h: utc(e.hour), r: e.result, why: e.reason, n: e.count }))
      await this.prisma.$executeRawUnsafe(ADD_COUNTS, JSON.stringify(rows))
    } catch (err) {
      // Put them back: they are counted at the next flush.
      for (const e of batch) this.count(e.siteId, e.hour, e.result as 'accept' | 'reject', e.reason, e.count)
      this.log.warn({ err }, 'could not store login statistics; will retry')
    }
  }
}
