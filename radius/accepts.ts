// Which logins this process accepted recently: accounting uses it to tell
// sessions citywifi authorised from ones it did not see (after a restart, or
// from a NAS that decided alone), and to know their voucher and method.
//
// Every Access-Accept passes here, first logins included, and what it leaves
// lives long enough to be copied by every young-generation collection on its
// way to the old one. So an entry is one flat object reached by the
// User-Name string the request already made (no key string built per login),
// and the few logins of one name on other NAS or devices hang off it in a
// short chain.
import type { LoginMethod } from '../core/db/generated/client.js'

export interface AcceptedLogin {
  method: LoginMethod
  voucherId: number | null
  deviceId: number | null
  at: number
}

// Times are kept as milliseconds since this module was loaded: an epoch
// millisecond does not fit V8's small integers, and a field holding one keeps
// a boxed number per entry for the young-generation collector to copy.
const BASE = Date.now()

class Entry implements AcceptedLogin {
  since: number
  /** Queued for the cluster's other workers (takeNew) since the last call. */
  queued = false
  constructor(
    readonly nasId: number,
    readonly username: string,
    /** '' when the NAS sent no usable Calling-Station-Id. */
    readonly mac: string,
    public method: LoginMethod,
    public voucherId: number | null,
    public deviceId: number | null,
    at: number,
    public next: Entry | undefined,
  ) {
    this.since = at - BASE
  }

  get at(): number {
    return this.since + BASE
  }
}

/** One accepted login, as a cluster worker tells the others of it. */
export type AcceptedTuple = [nasId: number, username: string, mac: string, method: LoginMethod, voucherId: number | null, deviceId: number | null, at: number]

const MAX = 200_000
const TTL_MS = 24 * 3600_000
// Logins of one name kept at once (a voucher's devices, a device roaming over
// access points): past it the oldest of that name goes.
const MAX_PER_NAME = 32

export class AcceptLog {
  /** By User-Name: the latest login of the name first, others after it. */
  readonly #byName = new Map<string, Entry>()
  /** Entries remembered since the last takeNew(), when other workers must hear of them. */
  #new: Entry[] | undefined

  /** Called on every Access-Accept: a login seen before is only touched, not re-inserted. */
  remember(nasId: number, username: string, mac: string | undefined | null, method: LoginMethod, voucherId: number | null, deviceId: number | null, at: number, share = true) {
    const m = mac ?? ''
    const head = this.#byName.get(username)
    let e = head
    let length = 0
    let last: Entry | undefined
    while (e && !(e.nasId === nasId && e.mac === m)) {
      length++
      if (e.next && !e.next.next) last = e
      e = e.next
    }
    if (e) {
      e.method = method
      e.voucherId = voucherId
      e.deviceId = deviceId
      e.since = at - BASE
    } else {
      e = new Entry(nasId, username, m, method, voucherId, deviceId, at, head)
      // The oldest of a long chain goes (it was pushed furthest back).
      if (length >= MAX_PER_NAME && last) last.next = undefined
      if (head) this.#byName.set(username, e)
      else {
        this.#byName.set(username, e)
        // Oldest name first out (insertion order), past the bound.
        if (this.#byName.size > MAX) this.#byName.delete(this.#byName.keys().next().value as string)
      }
    }
    if (share && this.#new && !e.queued) {
      e.queued = true
      this.#new.push(e)
    }
  }

  /** The logins remembered since the last call (for a cluster's other workers); starts the tracking. */
  takeNew(): AcceptedTuple[] {
    const entries = this.#new ?? []
    this.#new = []
    return entries.map((e) => {
      e.queued = false
      return [e.nasId, e.username, e.mac, e.method, e.voucherId, e.deviceId, e.at]
    })
  }

  find(nasId: number, username: string, mac: string | undefined | null, now: number): AcceptedLogin | undefined {
    const m = mac ?? ''
    for (let e = this.#byName.get(username); e; e = e.next) {
      if (e.nasId === nasId && e.mac === m) return now - e.at < TTL_MS ? e : undefined
    }
    return undefined
  }
}
