// Counters in memory for limits that need no database: per client address.
// (Phone, device and site limits are counted in the database, so that every
// copy of the portal sees them.) Behind a NAS that NATs its clients, one
// address is a whole site: these limits are generous on purpose.
export class SlidingWindows {
  readonly #hits = new Map<string, number[]>()
  #sweepAt = 0

  /** Counts a hit unless `limit` hits already fell in the last `windowMs`; returns seconds to wait, 0 when allowed. */
  hit(key: string, limit: number, windowMs: number, now = Date.now()): number {
    this.#sweep(now, windowMs)
    const list = (this.#hits.get(key) ?? []).filter((t) => t > now - windowMs)
    if (list.length >= limit) {
      this.#hits.set(key, list)
      return Math.max(1, Math.ceil((list[0]! + windowMs - now) / 1000))
    }
    list.push(now)
    this.#hits.set(key, list)
    return 0
  }

  /** Seconds to wait if one more hit were counted now, without counting it. */
  peek(key: string, limit: number, windowMs: number, now = Date.now()): number {
    const list = (this.#hits.get(key) ?? []).filter((t) => t > now - windowMs)
    return list.length >= limit ? Math.max(1, Math.ceil((list[0]! + windowMs - now) / 1000)) : 0
  }

  #sweep(now: number, windowMs: number) {
    if (now < this.#sweepAt) return
    this.#sweepAt = now + 60_000
    for (const [key, list] of this.#hits) if (!list.some((t) => t > now - windowMs)) this.#hits.delete(key)
  }
}
