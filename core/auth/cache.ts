// Keeps what authorization read for a while, so that a returning voucher or
// device is decided without the database. Entries are dropped when the
// change log names them (changes.ts) and when accounting for them arrives.
import { isDatabaseUnavailable } from '../db/availability.js'
import type { Change } from '../services/changes.js'
import { Batcher } from './batch.js'
import type { EffectivePolicy } from './policy.js'
import type { CredentialState } from './steps.js'
import type { AuthStore, BindRequest, ClaimQuery, ClaimResult, DeviceQuery, DeviceSnapshot, VoucherQuery, VoucherSnapshot } from './store.js'

interface Entry<T> {
  value: T
  /** Until then the entry is used as it is (ms after the map's base: see TtlMap). */
  freshUntil: number
  /** Until then a stale entry is still used while a fresh one is read in the background. */
  staleUntil: number
}

export interface AuthCacheOptions {
  /**
   * How long a voucher or device snapshot is used before it is read again
   * (default 5 minutes, ±25% so that entries do not all expire together).
   * What must reach the auth path sooner does not wait for it: the change log
   * drops revoked vouchers and edited policies, accounting drops the entries
   * it changes, and a refusal for want of consent looks again.
   */
  ttlMs?: number
  /** How long "no such voucher" is remembered (default 5 s): guesses do not all reach the database. */
  negativeTtlMs?: number
  /** Entries kept at most; the oldest go first. */
  maxEntries?: number
  /** Batches of one kind out at once (RADIUS_AUTH_BATCHES; batch.ts). */
  batchesInFlight?: number
  /** Called when the database did not answer and an older entry decided instead (a metric). */
  onOutageDecision?: () => void
}

const NOT_FRESH = Symbol('not fresh')

/** Sets `key` as the newest entry of `map` (a Map keeps insertion order); past `max` the oldest goes. */
function setNewest<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key)
  map.set(key, value)
  if (map.size > max) map.delete(map.keys().next().value as K)
}

// Times are kept as whole milliseconds from the first one the map was given,
// not epoch milliseconds: those do not fit V8's small integers, and every
// entry would carry two boxed numbers more for each young-generation
// collection to copy (the cache gains an entry or two with every first login).
// The clock is the caller's (tests set it); an expired entry is given a time
// about 12 days before the first one, which no caller's clock goes back to.
const EXPIRED = -(2 ** 30)

class TtlMap<K, V> {
  readonly #map = new Map<K, Entry<V>>()
  #base = NaN
  constructor(private readonly max: number) {}

  /** The value while it is fresh, else NOT_FRESH; allocates nothing (the auth path asks for every packet). */
  fresh(key: K, now: number): V | typeof NOT_FRESH {
    const e = this.#map.get(key)
    return e && e.freshUntil > now - this.#base ? e.value : NOT_FRESH
  }

  /** The value, unless it is too old to use even while it is read again; `stale`: it must be read again. */
  get(key: K, now: number): Entry<V> | undefined {
    const e = this.#map.get(key)
    // An expired entry is kept (until maxEntries pushes it out): when the
    // database does not answer, it is still the best there is (last()).
    if (!e || e.staleUntil <= now - this.#base) return undefined
    return e
  }

  isStale(e: Entry<V>, now: number): boolean {
    return e.freshUntil <= now - this.#base
  }

  /** The value however old it is. */
  last(key: K): V | undefined {
    return this.#map.get(key)?.value
  }

  /** Read again before the next use, but kept for when the database does not answer. */
  expire(key: K): void {
    const e = this.#map.get(key)
    if (e) e.freshUntil = e.staleUntil = EXPIRED
  }

  set(key: K, value: V, freshUntil: number, staleUntil = freshUntil): void {
    if (Number.isNaN(this.#base)) this.#base = Math.floor(freshUntil)
    // Rounded down: an entry is never taken as fresh for longer than it was given.
    setNewest(this.#map, key, { value, freshUntil: Math.floor(freshUntil - this.#base), staleUntil: Math.floor(staleUntil - this.#base) }, this.max)
  }

  delete(key: K): void {
    this.#map.delete(key)
  }

  clear(): void {
    this.#map.clear()
  }

  get size(): number {
    return this.#map.size
  }
}

export class AuthCache {
  readonly #ttlMs: number
  readonly #negativeTtl: number
  // Reads under way, by voucher code and by MAC.
  readonly #loadingVouchers = new Map<string, Promise<unknown>>()
  readonly #loadingDevices = new Map<string, Promise<unknown>>()
  readonly #policies = new Map<number, EffectivePolicy>()
  readonly #vouchers: TtlMap<string, VoucherSnapshot | null>
  readonly #devices: TtlMap<string, DeviceSnapshot>
  // By voucher id, for the change log and accounting, which name vouchers by
  // id. Bounded at twice the snapshots' bound and renewed whenever a snapshot
  // is kept, so that a code still cached is not pushed out before it.
  readonly #voucherCodes = new Map<number, string>()
  readonly #maxVoucherCodes: number
  // Kept apart from the snapshots, which accounting drops all the time: a
  // voucher's minutes only change through the change log.
  readonly #voucherMinutes = new Map<number, number | null>()
  hits = 0
  misses = 0
  // What misses read and logins write goes to the database in batches, one
  // statement each (batch.ts).
  readonly #voucherReads: Batcher<VoucherQuery, { voucher: VoucherSnapshot; device: DeviceSnapshot | undefined } | null>
  readonly #deviceReads: Batcher<DeviceQuery, DeviceSnapshot>
  readonly #credentialReads: Batcher<{ username: string; now: Date }, { credential: CredentialState; device: DeviceSnapshot } | null>
  readonly #binds: Batcher<BindRequest, { bound: boolean; deviceId: number }>
  readonly #claims: Batcher<ClaimQuery, ClaimResult | null>
  readonly #marks: Batcher<{ id: number; now: Date }, void>
  /** Bumped by every forgetDevice: a device read alongside a voucher is kept only if none came meanwhile. */
  #deviceForgets = 0

  constructor(
    readonly store: AuthStore,
    options: AuthCacheOptions = {},
  ) {
    const batching = { maxInFlight: options.batchesInFlight }
    this.#voucherReads = new Batcher((qs) => store.vouchersWithDevice(qs), batching)
    this.#deviceReads = new Batcher((qs) => store.devices(qs), batching)
    this.#credentialReads = new Batcher((qs) => store.credentialsWithDevice(qs), batching)
    this.#binds = new Batcher((rs) => store.bindVoucherDevices(rs), batching)
    this.#claims = new Batcher((qs) => store.claimVouchers(qs), batching)
    this.#marks = new Batcher((rs) => store.markCredentialsUsed(rs), batching)
    this.#ttlMs = options.ttlMs ?? 300_000
    this.#negativeTtl = options.negativeTtlMs ?? 5_000
    const max = options.maxEntries ?? 200_000
    this.#vouchers = new TtlMap(max)
    this.#maxVoucherCodes = 2 * max
    this.#devices = new TtlMap(max)
    this.#onOutageDecision = options.onOutageDecision
  }

  readonly #onOutageDecision: (() => void) | undefined
  /** Decisions taken from an entry the database could not refresh. */
  outageDecisions = 0

  /** A read that failed because the database is away falls back to what was last known of the key (never to "no such"). */
  #orLast<K, V>(map: TtlMap<K, V>, key: K, pending: Promise<V>): Promise<V> {
    return pending.catch((err: unknown) => {
      const last = map.last(key)
      if (last === undefined || last === null || !isDatabaseUnavailable(err)) throw err
      this.outageDecisions++
      this.#onOutageDecision?.()
      return last
    })
  }

  // The methods below answer from the cache without a Promise, so that a
  // known voucher costs no trip through the microtask queue.

  policyForSite(siteId: number): EffectivePolicy | Promise<EffectivePolicy> {
    const p = this.#policies.get(siteId)
    if (p) return p
    return this.store.policyForSite(siteId).then((loaded) => {
      this.#policies.set(siteId, loaded)
      return loaded
    })
  }

  /** Until when a new entry is fresh; it is used stale for #ttlMs more. */
  #freshUntil(now: number): number {
    return now + this.#ttlMs * (0.75 + Math.random() * 0.5)
  }

  #keep<K, V>(map: TtlMap<K, V>, key: K, value: V, now: number): void {
    const fresh = this.#freshUntil(now)
    map.set(key, value, fresh, fresh + this.#ttlMs)
  }

  /**
   * A fresh entry is used as it is; a stale one is used too, while one
   * background read refreshes it (a login is not made to wait for a refresh);
   * a missing or expired one is read now.
   */
  #read<V>(
    map: TtlMap<string, V>,
    key: string,
    loading: Map<string, Promise<unknown>>,
    now: number,
    load: () => Promise<V>,
    keep: (v: V) => void,
  ): V | Promise<V> {
    const cached = map.get(key, now)
    if (cached && !map.isStale(cached, now)) {
      this.hits++
      return cached.value
    }
    let pending = loading.get(key) as Promise<V> | undefined
    if (!pending) {
      const p: Promise<V> = load().then((v) => {
        // Forgotten while loading (accounting changed it): what was read may be older than that.
        if (loading.get(key) === p) keep(v)
        return v
      })
      pending = p
      loading.set(key, p)
      p.then(
        () => loading.get(key) === p && loading.delete(key),
        () => loading.get(key) === p && loading.delete(key),
      )
    }
    if (cached) {
      this.hits++
      return cached.value
    }
    this.misses++
    return this.#orLast(map, key, pending)
  }

  /** `mac`: the device asking, read in the same statement when the voucher is not known. */
  voucher(code: string, now: number, mac?: string): VoucherSnapshot | null | Promise<VoucherSnapshot | null> {
    const known = this.#vouchers.fresh(code, now)
    if (known !== NOT_FRESH) {
      this.hits++
      return known
    }
    return this.#read(
      this.#vouchers,
      code,
      this.#loadingVouchers,
      now,
      async () => {
        const forgets = this.#deviceForgets
        const read = await this.#voucherReads.add({ code, mac, now: new Date(now) })
        const v = read?.voucher ?? null
        // The device came with it: kept unless accounting changed it meanwhile or a read of its own is under way.
        if (mac && read?.device && forgets === this.#deviceForgets && !this.#loadingDevices.has(mac) && this.#devices.fresh(mac, now) === NOT_FRESH) {
          this.#keep(this.#devices, mac, read.device, now)
        }
        if (v) this.#knowVoucher(v, code)
        return v
      },
      (v) => (v ? this.#keep(this.#vouchers, code, v, now) : this.#vouchers.set(code, null, now + this.#negativeTtl)),
    )
  }

  /**
   * The voucher while its entry is fresh (a hit, as voucher() counts it),
   * else undefined: the one map look-up a known voucher costs on the auth
   * path, where knowsVoucher() and then voucher() would make two.
   */
  freshVoucher(code: string, now: number): VoucherSnapshot | null | undefined {
    const known = this.#vouchers.fresh(code, now)
    if (known === NOT_FRESH) return undefined
    this.hits++
    return known
  }

  /** Whether voucher() would answer from memory (fresh, or stale while a refresh runs). */
  knowsVoucher(code: string, now: number): boolean {
    return this.#vouchers.get(code, now) !== undefined
  }

  /**
   * A voucher this process does not know, with the device asking: read,
   * checked and the device's place taken in one statement per batch
   * (store.claimVouchers); what was read is kept as voucher() and device()
   * would have kept it, so the next login of this voucher or device is
   * decided from memory.
   */
  async claimVoucher(q: ClaimQuery): Promise<ClaimResult | null> {
    this.misses++
    const forgets = this.#deviceForgets
    let read = await this.#claims.add(q)
    // The device's row was created by another copy after this statement's snapshot: once more sees it.
    if (read?.retry) read = await this.#claims.add(q)
    const now = q.now.getTime()
    if (!read) {
      this.#vouchers.set(q.code, null, now + this.#negativeTtl)
      return null
    }
    const v = read.voucher
    if (read.bound && !v.devices.includes(q.mac)) {
      // Kept as it is now (with this device); the answer keeps the voucher as the checks saw it.
      // concat, not a spread: a spread leaves room for 17 elements in an array kept for minutes.
      const kept = { ...v, devices: v.devices.concat(q.mac) }
      if (!this.#loadingVouchers.has(q.code)) this.#keep(this.#vouchers, q.code, kept, now)
    } else if (!this.#loadingVouchers.has(q.code)) {
      this.#keep(this.#vouchers, q.code, v, now)
    }
    this.#knowVoucher(v, q.code)
    if (read.device.deviceId !== null && forgets === this.#deviceForgets && !this.#loadingDevices.has(q.mac) && this.#devices.fresh(q.mac, now) === NOT_FRESH) {
      this.#keep(this.#devices, q.mac, read.device, now)
    }
    return read
  }

  /** `fresh`: skip the cache (a refusal must not rest on what was true a few seconds ago). */
  device(mac: string, now: Date, fresh = false): DeviceSnapshot | Promise<DeviceSnapshot> {
    if (fresh) this.refreshDevice(mac)
    else {
      const known = this.#devices.fresh(mac, now.getTime())
      if (known !== NOT_FRESH) {
        this.hits++
        return known
      }
    }
    return this.#read(this.#devices, mac, this.#loadingDevices, now.getTime(), () => this.#deviceReads.add({ mac, now }), (d) => this.#keep(this.#devices, mac, d, now.getTime()))
  }

  /** A one-time credential with its device's snapshot, read together. One-time and short-lived: always read, never cached. */
  credential(username: string, now: Date): Promise<{ credential: CredentialState; device: DeviceSnapshot } | null> {
    return this.#credentialReads.add({ username, now })
  }

  /** Answers once the place is durable (committed with the rest of its batch). */
  async bindVoucherDevice(v: VoucherSnapshot, mac: string): Promise<{ bound: boolean; deviceId: number }> {
    const result = await this.#binds.add({ voucherId: v.id, mac, maxDevices: v.maxDevices })
    // A new array: snapshots share one empty array (store.ts).
    if (result.bound && !v.devices.includes(mac)) v.devices = v.devices.concat(mac)
    return result
  }

  /** Answers once the mark is durable (committed with the rest of its batch). */
  markCredentialUsed(id: number, now: Date): Promise<void> {
    return this.#marks.add({ id, now })
  }

  #knowVoucher(v: VoucherSnapshot, code: string): void {
    setNewest(this.#voucherCodes, v.id, code, this.#maxVoucherCodes)
    if (this.#voucherMinutes.size > 500_000) this.#voucherMinutes.clear()
    this.#voucherMinutes.set(v.id, v.minutes)
  }

  /** A voucher's total minutes if this process has read it (null: no limit; undefined: not known). */
  voucherMinutes(id: number): number | null | undefined {
    return this.#voucherMinutes.get(id)
  }

  /** Accounting for this device or voucher changed what is known of it (read again at its next use; see refreshDevice). */
  forgetDevice(mac: string): void {
    this.refreshDevice(mac)
  }

  /**
   * Accounting for this device or voucher was committed: what is cached is
   * read again at its next use, and kept until then, so that it can still
   * decide a login while the database does not answer.
   */
  refreshDevice(mac: string): void {
    this.#deviceForgets++
    this.#devices.expire(mac)
    this.#loadingDevices.delete(mac)
  }

  refreshVoucher(id: number): void {
    const code = this.#voucherCodes.get(id)
    if (code) {
      this.#vouchers.expire(code)
      this.#loadingVouchers.delete(code)
    }
  }

  forgetVoucher(idOrCode: number | string): void {
    const code = typeof idOrCode === 'number' ? this.#voucherCodes.get(idOrCode) : idOrCode
    if (code) {
      this.#vouchers.delete(code)
      this.#loadingVouchers.delete(code)
    }
  }

  applyChange(change: Change): void {
    switch (change.kind) {
      case 'voucher':
        if (change.ref) {
          this.forgetVoucher(Number(change.ref))
          this.#voucherMinutes.delete(Number(change.ref))
        } else {
          this.#vouchers.clear()
          this.#voucherMinutes.clear()
        }
        break
      case 'policy':
      case 'site':
        this.#policies.clear()
        break
      case 'all':
        this.#policies.clear()
        this.#vouchers.clear()
        this.#voucherMinutes.clear()
        this.#devices.clear()
        break
      case 'nas':
        break
    }
  }

  get size(): { vouchers: number; devices: number; policies: number; voucherIds: number } {
    return { vouchers: this.#vouchers.size, devices: this.#devices.size, policies: this.#policies.size, voucherIds: this.#voucherCodes.size }
  }
}
