// Access-Accept and Access-Reject counts per site, hour, result and reason,
// added up in memory and written every few seconds: statistics must not put
// a database write on every login.
import type { PrismaClient } from '../core/db/generated/client.js'
import { hourOf } from '../core/auth/periods.js'
import type { Logger } from '../core/logger.js'

interface PendingCount {
  siteId: number
  hour: Date
  result: string
  reason: string
  count: number
}

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
      await this.prisma.$transaction(
        batch.map((e) =>
          this.prisma.authHourly.upsert({
            where: { siteId_hour_result_reason: { siteId: e.siteId, hour: e.hour, result: e.result, reason: e.reason } },
            create: e,
            update: { count: { increment: e.count } },
          }),
        ),
      )
    } catch (err) {
      // Put them back: they are counted at the next flush.
      for (const e of batch) this.count(e.siteId, e.hour, e.result as 'accept' | 'reject', e.reason, e.count)
      this.log.warn({ err }, 'could not store login statistics; will retry')
    }
  }
}
