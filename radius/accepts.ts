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

  static key(nasId: number, username: string, mac: string | undefined | null) {
    return `${nasId}|${username}|${mac ?? ''}`
  }

  remember(key: string, login: AcceptedLogin) {
    this.#map.delete(key)
    this.#map.set(key, login)
    if (this.#map.size > MAX) this.#map.delete(this.#map.keys().next().value as string)
  }

  find(key: string, now: number): AcceptedLogin | undefined {
    const found = this.#map.get(key)
    return found && now - found.at < TTL_MS ? found : undefined
  }
}
