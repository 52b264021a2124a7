// Which logins this process accepted recently: accounting uses it to tell
// sessions citywifi authorised from ones it did not see (after a restart, or
// from a NAS that decided alone), and to know their voucher and method.
import type { LoginMethod } from '../core/db/generated/client.js'

export interface AcceptedLogin {
  method: LoginMethod
  voucherId: number | null
  deviceId: number | null
  at: number
}

const MAX = 200_000
const TTL_MS = 24 * 3600_000

export class AcceptLog {
  readonly #map = new Map<string, AcceptedLogin>()
  /** Keys remembered since the last takeNew(), when other workers must hear of them. */
  #new: Set<string> | undefined

  static key(nasId: number, username: string, mac: string | undefined | null) {
    return `${nasId}|${username}|${mac ?? ''}`
  }

  /** Called on every Access-Accept: a login seen before is only touched, not re-inserted. */
  remember(key: string, method: LoginMethod, voucherId: number | null, deviceId: number | null, at: number, share = true) {
    if (share) this.#new?.add(key)
    const known = this.#map.get(key)
    if (known) {
      known.method = method
      known.voucherId = voucherId
      known.deviceId = deviceId
      known.at = at
      return
    }
    this.#map.set(key, { method, voucherId, deviceId, at })
    // Oldest first out (insertion order), past the bound.
    if (this.#map.size > MAX) this.#map.delete(this.#map.keys().next().value as string)
  }

  /** The logins remembered since the last call (for a cluster's other workers); starts the tracking. */
  takeNew(): [string, LoginMethod, number | null, number | null, number][] {
    const keys = this.#new ?? new Set()
    this.#new = new Set()
    return [...keys].flatMap((k) => {
      const e = this.#map.get(k)
      return e ? [[k, e.method, e.voucherId, e.deviceId, e.at] as [string, LoginMethod, number | null, number | null, number]] : []
    })
  }

  find(key: string, now: number): AcceptedLogin | undefined {
    const found = this.#map.get(key)
    return found && now - found.at < TTL_MS ? found : undefined
  }
}
