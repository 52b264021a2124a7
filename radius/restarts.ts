// Accounting-On/Off replays. Its Request Authenticator is an MD5 of the packet
// and the secret, so a copy captured once is valid for ever: what was last
// accepted from each sending address tells a NAS's new restart from an old
// one sent again. Kept per process: a copy started afterwards has no memory of
// the last one (a replay to it closes sessions once, as before).
const MAX_SOURCES = 50_000

interface Last {
  /** Event-Timestamp in seconds, when the NAS sends it. */
  at: number | null
  authenticator: string
}

export class RestartLog {
  readonly #last = new Map<string, Last>()

  /**
   * Is this Accounting-On/Off new? With an Event-Timestamp: later than the
   * last accepted one. Without: not the very packet last accepted (the
   * duplicate cache answers genuine retransmissions before this is asked).
   */
  fresh(key: string, eventTimestamp: number | null, authenticator: Buffer): boolean {
    const last = this.#last.get(key)
    if (!last) return true
    const auth = authenticator.toString('hex')
    if (auth === last.authenticator) return false
    if (eventTimestamp !== null && last.at !== null && eventTimestamp <= last.at) return false
    return true
  }

  accepted(key: string, eventTimestamp: number | null, authenticator: Buffer): void {
    this.#last.delete(key)
    // Oldest first in insertion order: the cap drops the source heard from longest ago.
    if (this.#last.size >= MAX_SOURCES) this.#last.delete(this.#last.keys().next().value!)
    this.#last.set(key, { at: eventTimestamp, authenticator: authenticator.toString('hex') })
  }
}
