// What authorization reads from and writes to the database. The login path
// uses the batched forms (vouchersWithDevice, credentialsWithDevice, devices,
// bindVoucherDevices, markCredentialsUsed): one statement answers every login
// of a batch, with everything the decision needs (batch.ts). radius/ wraps it
// in a cache (cache.ts) so that a known credential is decided without the
// database at all.
import type pg from 'pg'
import type { PrismaClient } from '../db/generated/client.js'
import type { SecretBox } from '../secret-box.js'
import { localDay, localMonthStart, QUARTER_HOUR_MS } from './periods.js'
import { effectivePolicy, type EffectivePolicy } from './policy.js'
import type { CredentialState, VoucherState } from './steps.js'
import type { Usage } from './types.js'

export interface DeviceSnapshot {
  deviceId: number | null
  usage: Usage
  /**
   * Per site id: until when a consent lets this device in by MAC authentication
   * there. Only a consent given at that site, to the terms in force, by a login
   * method the site allows today counts (a click-through elsewhere does not
   * pass a site that requires a phone code).
   */
  consentUntil: ReadonlyMap<number, Date>
}

export interface VoucherSnapshot extends VoucherState {
  /** MACs of the devices with a session of this voucher not yet stopped ("" for a session without a device). */
  openDevices: string[]
}

// The two reads behind every cache miss go through pg directly: through
// Prisma each costs several times the CPU (measured in test/bench/profile.ts),
// and a busy RADIUS server misses often. Times come back as epoch
// milliseconds: pg would read a timestamp without time zone as local time.
const ms = (v: number | null) => (v === null ? null : new Date(v))

// Voucher v's bound devices and the devices of its open sessions, as every
// voucher read takes them. "(stoppedAt IS NULL) IS TRUE" is no index
// condition, so the planner reads the open sessions by voucher (its
// sessions, open ones last in the index) and never by the stoppedAt index —
// which it did when the statistics were taken while no session was open,
// filtering every open session of the network per voucher
// (test/core/open-sessions-plan.test.ts).
const VOUCHER_DEVICES = `(SELECT array_agg(d.mac ORDER BY vd.slot) FROM "VoucherDevice" vd JOIN "Device" d ON d.id = vd."deviceId" WHERE vd."voucherId" = v.id) AS devices,
  (SELECT array_agg(COALESCE(d.mac, '')) FROM "Session" s LEFT JOIN "Device" d ON d.id = s."deviceId"
    WHERE s."voucherId" = v.id AND (s."stoppedAt" IS NULL) IS TRUE) AS open`

const VOUCHER_SQL = `
SELECT v.id, v.code, v."siteId", v.minutes, v."usedSeconds", v."maxDevices",
  (extract(epoch FROM v."validUntil") * 1000)::float8 AS "validUntil",
  (extract(epoch FROM v."revokedAt") * 1000)::float8 AS "revokedAt",
  ${VOUCHER_DEVICES}
FROM "Voucher" v WHERE v.code = $1`

const DEVICE_SQL = `
SELECT d.id,
  COALESCE(sum(u.seconds) FILTER (WHERE u.day = $2::date), 0)::int AS "daySeconds",
  COALESCE(sum(u.octets) FILTER (WHERE u.day = $2::date), 0)::bigint AS "dayOctets",
  COALESCE(sum(u.seconds), 0)::int AS "monthSeconds",
  COALESCE(sum(u.octets), 0)::bigint AS "monthOctets",
  -- A voucher login's consent does not let the device in by MAC once the voucher
  -- is spent; the login choices match portal/flow.ts loginChoices.
  (SELECT json_object_agg(x."siteId", x.until) FROM (
    SELECT c."siteId", (extract(epoch FROM max(c."expiresAt")) * 1000)::float8 AS until
    FROM "Consent" c JOIN "Site" s ON s.id = c."siteId"
    WHERE c."deviceId" = d.id
      AND c."termsId" = (SELECT t.id FROM "Terms" t WHERE t."effectiveAt" <= (now() AT TIME ZONE 'UTC') ORDER BY t."effectiveAt" DESC, t.id DESC LIMIT 1)
      AND ((c.method = 'click_through' AND s."allowClickThrough" AND NOT s."otpRequired")
        OR (c.method = 'otp' AND (s."allowOtp" OR s."otpRequired")))
    GROUP BY c."siteId") x) AS "consentUntil"
FROM "Device" d LEFT JOIN "DeviceUsageDaily" u ON u."deviceId" = d.id AND u.day >= $3::date
WHERE d.mac = $1
GROUP BY d.id`

/** DEVICE_SQL for each row of a batch (q.mac, q.day, q.month), as a lateral subquery. */
const deviceSqlOver = (mac: string, day: string, month: string) =>
  DEVICE_SQL.replace(/\$1\b/g, mac).replace(/\$2\b/g, day).replace(/\$3\b/g, month)

const DEVICE_COLUMNS = `x.id AS "dId", x."daySeconds", x."dayOctets"::text, x."monthSeconds", x."monthOctets"::text, x."consentUntil"`

// A batch of voucher logins: each voucher with its devices and open sessions
// (Session by voucherId and stoppedAt: an index, not the open sessions of
// the whole network), and the device asking, in one statement. The batch
// comes from unnest(), which the planner guesses at 100 rows: joined plainly
// it hashes the whole Voucher table; a LATERAL … LIMIT 1 (the key is unique)
// keeps it to one index probe per login, whatever the table's size.
const VOUCHERS_BATCH_SQL = `
SELECT q.n::int AS n, v.id, v.code, v."siteId", v.minutes, v."usedSeconds", v."maxDevices",
  (extract(epoch FROM v."validUntil") * 1000)::float8 AS "validUntil",
  (extract(epoch FROM v."revokedAt") * 1000)::float8 AS "revokedAt",
  ${VOUCHER_DEVICES},
  ${DEVICE_COLUMNS}
FROM unnest($1::text[], $2::text[], $3::date[], $4::date[]) WITH ORDINALITY AS q(code, mac, day, month, n)
JOIN LATERAL (SELECT * FROM "Voucher" v WHERE v.code = q.code LIMIT 1) v ON true
LEFT JOIN LATERAL (${deviceSqlOver('q.mac', 'q.day', 'q.month')}) x ON true`

const CREDENTIALS_BATCH_SQL = `
SELECT q.n::int AS n, c.id, c.username, c."passwordEnc", dm.mac AS "deviceMac", c."deviceId", c."nasId", c."siteId", c.method::text AS method,
  c."voucherId", (extract(epoch FROM c."expiresAt") * 1000)::float8 AS "expiresAt", (extract(epoch FROM c."usedAt") * 1000)::float8 AS "usedAt",
  ${DEVICE_COLUMNS}
FROM unnest($1::text[], $2::date[], $3::date[]) WITH ORDINALITY AS q(username, day, month, n)
JOIN LATERAL (SELECT * FROM "Credential" c WHERE c.username = q.username LIMIT 1) c ON true
JOIN LATERAL (SELECT mac FROM "Device" dm WHERE dm.id = c."deviceId" LIMIT 1) dm ON true
LEFT JOIN LATERAL (${deviceSqlOver('dm.mac', 'q.day', 'q.month')}) x ON true`

const DEVICES_BATCH_SQL = `
SELECT q.n::int AS n, ${DEVICE_COLUMNS}
FROM unnest($1::text[], $2::date[], $3::date[]) WITH ORDINALITY AS q(mac, day, month, n)
JOIN LATERAL (${deviceSqlOver('q.mac', 'q.day', 'q.month')}) x ON true`

// Binds of new devices to vouchers, a batch in one statement (one commit).
// Places are numbered per voucher (VoucherDevice.slot, unique): devices of
// the batch asking for one voucher take the next free numbers in turn, and of
// two processes racing for the last place one insert conflicts and that
// device is refused. The input holds each (voucher, MAC) pair once.
const BIND_BATCH_SQL = `
WITH req AS (
  SELECT * FROM unnest($1::int[], $2::text[], $3::int[]) WITH ORDINALITY AS r(vid, mac, maxd, n)),
dev AS (
  INSERT INTO "Device" (mac, "firstSeenAt", "lastSeenAt") SELECT DISTINCT mac, now(), now() FROM req ORDER BY mac
  ON CONFLICT (mac) DO UPDATE SET "lastSeenAt" = EXCLUDED."lastSeenAt" RETURNING id, mac),
cur AS (
  SELECT r.n, r.vid, r.maxd, d.id AS did,
    (SELECT count(*) FROM "VoucherDevice" vd WHERE vd."voucherId" = r.vid)::int AS cnt,
    -- LIMIT: a scalar subquery, probed by index per row (an EXISTS becomes a hash of the whole table).
    (SELECT true FROM "VoucherDevice" vd WHERE vd."voucherId" = r.vid AND vd."deviceId" = d.id LIMIT 1) IS NOT NULL AS mine
  FROM req r JOIN dev d ON d.mac = r.mac),
want AS (
  SELECT vid, did, maxd, cnt + row_number() OVER (PARTITION BY vid ORDER BY n) AS slot FROM cur WHERE NOT mine),
ins AS (
  INSERT INTO "VoucherDevice" ("voucherId", "deviceId", "slot", "firstAt")
  SELECT vid, did, slot, now() FROM want WHERE slot <= maxd ORDER BY vid, slot
  ON CONFLICT DO NOTHING RETURNING "voucherId", "deviceId"),
first AS (
  UPDATE "Voucher" SET "firstUsedAt" = now() WHERE id IN (SELECT "voucherId" FROM ins) AND "firstUsedAt" IS NULL RETURNING id)
SELECT c.n::int AS n, c.did AS "deviceId", c.mine OR EXISTS (SELECT 1 FROM ins WHERE ins."voucherId" = c.vid AND ins."deviceId" = c.did) AS bound
FROM cur c`

// A batch of first voucher logins (the voucher not in this process's cache,
// the device sent): the voucher with its devices and open sessions, the
// device's usage, and, for each login the checks let in, the device's place
// on the voucher, in ONE statement — one round trip and one commit per batch,
// durable before any Access-Accept. The checks are steps.ts's, given the
// site's policy per row; authorize.ts runs steps.ts on the same rows and
// accepts a new device only if this statement bound it, so a disagreement
// can only refuse, never let in more devices than a voucher allows. Places
// are numbered as in BIND_BATCH_SQL: of two copies racing for the last one,
// one insert conflicts. Only a new device's row and its place are written:
// nothing the decision does not need (no last-seen, no first-use mark:
// accounting sets Voucher.firstUsedAt, and a voucher with a place is shown
// in use).
const CLAIM_BATCH_SQL = `
WITH q AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::date[], $5::int[], $6::timestamp[], $7::int[],
    $8::int[], $9::int[], $10::int[], $11::int8[], $12::int8[], $13::int8[])
    WITH ORDINALITY AS q(code, mac, day, month, site, at, simul, sess_s, day_s, month_s, sess_b, day_b, month_b, n)),
r AS (
  SELECT q.n, q.mac, q.at, v.id, v.code, v."siteId", v.minutes, v."usedSeconds", v."maxDevices",
    (extract(epoch FROM v."validUntil") * 1000)::float8 AS "validUntil",
    (extract(epoch FROM v."revokedAt") * 1000)::float8 AS "revokedAt",
    v.devices, v.open, ${DEVICE_COLUMNS},
    v."revokedAt" IS NULL AND (v."validUntil" IS NULL OR v."validUntil" > q.at)
      AND (v."siteId" IS NULL OR v."siteId" = q.site)
      AND (v.minutes IS NULL OR v."usedSeconds" < v.minutes * 60)
      AND NOT COALESCE(q.mac = ANY(v.devices), false) AND COALESCE(cardinality(v.devices), 0) < v."maxDevices"
      AND (SELECT count(*) FROM unnest(v.open) o WHERE o = '' OR o <> q.mac) < q.simul
      AND LEAST(q.sess_s, q.day_s - COALESCE(x."daySeconds", 0), q.month_s - COALESCE(x."monthSeconds", 0),
        v.minutes * 60 - v."usedSeconds") > 0
      AND COALESCE(LEAST(q.sess_b, q.day_b - COALESCE(x."dayOctets", 0), q.month_b - COALESCE(x."monthOctets", 0)) > 0, true) AS take
  FROM q
  JOIN LATERAL (
    SELECT v.*,
      ${VOUCHER_DEVICES}
    FROM "Voucher" v WHERE v.code = q.code LIMIT 1) v ON true
  LEFT JOIN LATERAL (${deviceSqlOver('q.mac', 'q.day', 'q.month')}) x ON true),
want AS (
  SELECT n, id AS vid, mac, "dId" AS did, "maxDevices" AS maxd,
    COALESCE(cardinality(devices), 0) + row_number() OVER (PARTITION BY id ORDER BY n) AS slot
  FROM r WHERE take),
dev AS (
  INSERT INTO "Device" (mac, "firstSeenAt", "lastSeenAt") SELECT DISTINCT mac, now(), now() FROM want WHERE did IS NULL ORDER BY mac
  ON CONFLICT (mac) DO NOTHING RETURNING id, mac),
ins AS (
  INSERT INTO "VoucherDevice" ("voucherId", "deviceId", "slot", "firstAt")
  SELECT w.vid, COALESCE(w.did, dev.id), w.slot, now() FROM want w LEFT JOIN dev ON dev.mac = w.mac
  WHERE w.slot <= w.maxd AND COALESCE(w.did, dev.id) IS NOT NULL ORDER BY w.vid, w.slot
  ON CONFLICT DO NOTHING RETURNING "voucherId", "deviceId")
SELECT r.n::int AS n, r.id, r.code, r."siteId", r.minutes, r."usedSeconds", r."maxDevices", r."validUntil", r."revokedAt",
  r.devices, r.open, COALESCE(r."dId", dev.id) AS "dId", r."daySeconds", r."dayOctets", r."monthSeconds", r."monthOctets", r."consentUntil",
  EXISTS (SELECT 1 FROM ins WHERE ins."voucherId" = r.id AND ins."deviceId" = COALESCE(r."dId", dev.id)) AS bound,
  -- Another copy created the device meanwhile (not in this statement's snapshot): ask again.
  (r.take AND r."dId" IS NULL AND dev.id IS NULL) AS retry
FROM r LEFT JOIN dev ON dev.mac = r.mac`

// One time for the batch (its last login's): they are milliseconds apart.
const MARK_USED_BATCH_SQL = `
UPDATE "Credential" SET "usedAt" = $2::timestamp WHERE id = ANY($1::int[]) AND "usedAt" IS NULL`


interface DeviceColumns {
  dId: number | null
  daySeconds: number | null
  dayOctets: string | null
  monthSeconds: number | null
  monthOctets: string | null
  consentUntil: Record<string, number> | null
}

// Snapshots are kept in the cache for minutes, and most first logins bring a
// device with no usage yet, no consent yet, or a voucher with no device or
// open session yet: those share one frozen value each instead of leaving
// empty objects for every young-generation collection to copy.
const NO_USAGE: Usage = Object.freeze({ daySeconds: 0, dayOctets: 0n, monthSeconds: 0, monthOctets: 0n })
const NO_CONSENTS: ReadonlyMap<number, Date> = new Map()
const NONE: string[] = Object.freeze([]) as unknown as string[]

const NO_DEVICE: DeviceSnapshot = Object.freeze({ deviceId: null, usage: NO_USAGE, consentUntil: NO_CONSENTS })

function consentsOf(c: Record<string, number> | null): ReadonlyMap<number, Date> {
  if (!c) return NO_CONSENTS
  const out = new Map<number, Date>()
  for (const site in c) out.set(Number(site), new Date(c[site]!))
  return out.size ? out : NO_CONSENTS
}

function usageOf(r: DeviceColumns): Usage {
  const daySeconds = r.daySeconds ?? 0
  const monthSeconds = r.monthSeconds ?? 0
  const dayOctets = r.dayOctets ?? '0'
  const monthOctets = r.monthOctets ?? '0'
  if (daySeconds === 0 && monthSeconds === 0 && dayOctets === '0' && monthOctets === '0') return NO_USAGE
  return { daySeconds, dayOctets: BigInt(dayOctets), monthSeconds, monthOctets: BigInt(monthOctets) }
}

/** A voucher's columns as VOUCHER_SQL and VOUCHERS_BATCH_SQL return them. */
interface VoucherRow {
  id: number
  code: string
  siteId: number | null
  minutes: number | null
  usedSeconds: number
  maxDevices: number
  validUntil: number | null
  revokedAt: number | null
  devices: string[] | null
  open: string[] | null
}

// Vouchers are made in batches with one end of validity, and a batch's codes
// come in together: the snapshots of one batch share one Date for it, not a
// Date and its boxed time each (a snapshot lives in the cache for minutes,
// and every first login adds one; nothing changes a snapshot's Date).
let lastValidUntil: Date | null = null
function validUntilOf(v: number | null): Date | null {
  if (v === null) return null
  if (lastValidUntil?.getTime() !== v) lastValidUntil = new Date(v)
  return lastValidUntil
}

// `code`: the request's own string for it, which the cache already keeps as
// the key (the row's copy would be one more string per login to keep).
// Arrays are copied at their length: pg's parser pushes, which leaves room
// for 17 elements in each.
function voucherOf(r: VoucherRow, code = r.code): VoucherSnapshot {
  return {
    id: r.id,
    code,
    siteId: r.siteId,
    minutes: r.minutes,
    usedSeconds: r.usedSeconds,
    maxDevices: r.maxDevices,
    validUntil: validUntilOf(r.validUntil),
    revokedAt: ms(r.revokedAt),
    devices: r.devices?.length ? r.devices.slice() : NONE,
    openDevices: r.open?.length ? r.open.slice() : NONE,
  }
}

function deviceOf(r: DeviceColumns): DeviceSnapshot {
  if (r.dId === null) return NO_DEVICE
  return { deviceId: r.dId, usage: usageOf(r), consentUntil: consentsOf(r.consentUntil) }
}

/** Rows carrying their input position `n` (1-based), spread over an array as long as the input. */
function byPosition<R extends { n: number }, T>(length: number, rows: R[], map: (r: R) => T): (T | null)[] {
  const out: (T | null)[] = new Array(length).fill(null)
  for (const r of rows) out[r.n - 1] = map(r)
  return out
}

export interface DeviceQuery {
  mac: string
  now: Date
}

export interface VoucherQuery {
  code: string
  /** The device asking (read in the same statement), if the NAS sent one. */
  mac: string | undefined
  now: Date
}

export interface BindRequest {
  voucherId: number
  mac: string
  maxDevices: number
}

export interface ClaimQuery {
  code: string
  /** The device asking (a voucher login without one is refused before it gets here). */
  mac: string
  /** The NAS's site and its policy: the checks need them. */
  siteId: number
  policy: EffectivePolicy
  now: Date
}

export interface ClaimResult {
  voucher: VoucherSnapshot
  device: DeviceSnapshot
  bound: boolean
  /** The device's row appeared meanwhile (another copy): nothing was written, ask again. */
  retry: boolean
}

export class AuthStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pool: pg.Pool,
    private readonly secrets: SecretBox,
    private readonly timeZone: string,
    options: { prepared?: boolean } = {},
  ) {
    this.#prepared = options.prepared ?? false
  }

  // On PostgreSQL the batch statements are prepared once per connection: they
  // are long, and parsing and planning them for every batch was work no login
  // needed. Not on the embedded database: every socket there reaches the one
  // PGlite session, where a name prepared through one would clash with the next.
  readonly #prepared: boolean
  #named(name: string, text: string, values: unknown[]): { name?: string; text: string; values: unknown[] } {
    return this.#prepared ? { name: `auth-${name}`, text, values } : { text, values }
  }

  // The local day and month only change on a quarter hour in any zone (offsets
  // are whole quarter hours), so a quarter hour's logins share one answer:
  // built per login, its Dates and strings were about 9% of what a MAC login
  // allocated (a sampling allocation profile of the storm, 1 December).
  #periodsSlot = NaN
  #periodsOfSlot: [string, string] = ['', '']

  #periods(now: Date): [string, string] {
    const slot = Math.floor(now.getTime() / QUARTER_HOUR_MS)
    if (slot !== this.#periodsSlot) {
      this.#periodsOfSlot = [localDay(now, this.timeZone).toISOString().slice(0, 10), localMonthStart(now, this.timeZone).toISOString().slice(0, 10)]
      this.#periodsSlot = slot
    }
    return this.#periodsOfSlot
  }

  /** Vouchers by code, each with the device asking: one statement for the batch. */
  async vouchersWithDevice(qs: VoucherQuery[]): Promise<({ voucher: VoucherSnapshot; device: DeviceSnapshot | undefined } | null)[]> {
    const periods = qs.map((q) => this.#periods(q.now))
    const { rows } = await this.pool.query<
      DeviceColumns & VoucherRow & { n: number }
    >(this.#named('vouchers', VOUCHERS_BATCH_SQL, [qs.map((q) => q.code), qs.map((q) => q.mac ?? null), periods.map((p) => p[0]), periods.map((p) => p[1])]))
    return byPosition(qs.length, rows, (r) => ({
      voucher: voucherOf(r, qs[r.n - 1]!.code),
      device: qs[r.n - 1]!.mac ? deviceOf(r) : undefined,
    }))
  }

  /** One-time credentials by username, each with its device's snapshot: one statement for the batch. */
  async credentialsWithDevice(qs: { username: string; now: Date }[]): Promise<({ credential: CredentialState; device: DeviceSnapshot } | null)[]> {
    const periods = qs.map((q) => this.#periods(q.now))
    const { rows } = await this.pool.query<
      DeviceColumns & {
        n: number
        id: number
        username: string
        passwordEnc: string
        deviceMac: string
        deviceId: number
        nasId: number | null
        siteId: number
        method: CredentialState['method']
        voucherId: number | null
        expiresAt: number
        usedAt: number | null
      }
    >(this.#named('credentials', CREDENTIALS_BATCH_SQL, [qs.map((q) => q.username), periods.map((p) => p[0]), periods.map((p) => p[1])]))
    return byPosition(qs.length, rows, (r) => ({
      credential: {
        id: r.id,
        username: r.username,
        password: this.secrets.decrypt(r.passwordEnc),
        deviceMac: r.deviceMac,
        deviceId: r.deviceId,
        nasId: r.nasId,
        siteId: r.siteId,
        method: r.method,
        voucherId: r.voucherId,
        expiresAt: new Date(r.expiresAt),
        usedAt: ms(r.usedAt),
      },
      device: deviceOf(r),
    }))
  }

  /** Device snapshots (device()) for a batch of MACs, in one statement. */
  async devices(qs: DeviceQuery[]): Promise<DeviceSnapshot[]> {
    const periods = qs.map((q) => this.#periods(q.now))
    const { rows } = await this.pool.query<DeviceColumns & { n: number }>(this.#named('devices', DEVICES_BATCH_SQL, [qs.map((q) => q.mac), periods.map((p) => p[0]), periods.map((p) => p[1])]))
    return byPosition(qs.length, rows, deviceOf).map((d) => d ?? NO_DEVICE)
  }

  /**
   * bindVoucherDevice for a batch, in one statement and so one commit; the
   * answer comes once it is durable (a device's place must survive a crash,
   * or a voucher could end up with more devices than it allows).
   */
  async bindVoucherDevices(reqs: BindRequest[]): Promise<{ bound: boolean; deviceId: number }[]> {
    // Each (voucher, MAC) pair once: a retransmitted login must not take two places.
    const unique = new Map<string, number>()
    const vids: number[] = []
    const macs: string[] = []
    const maxd: number[] = []
    const slot = reqs.map((r) => {
      const key = `${r.voucherId}|${r.mac}`
      let i = unique.get(key)
      if (i === undefined) {
        unique.set(key, (i = vids.length))
        vids.push(r.voucherId)
        macs.push(r.mac)
        maxd.push(r.maxDevices)
      }
      return i
    })
    const { rows } = await this.pool.query<{ n: number; deviceId: number; bound: boolean }>(this.#named('bind', BIND_BATCH_SQL, [vids, macs, maxd]))
    const answers = byPosition(vids.length, rows, (r) => ({ bound: r.bound, deviceId: r.deviceId }))
    return slot.map((i) => {
      const a = answers[i]
      if (!a) throw new Error('a voucher device bind came back without an answer')
      return a
    })
  }

  /**
   * First voucher logins of a batch: read, checked and, where the checks let
   * the device in, its place taken, in one statement (CLAIM_BATCH_SQL). A
   * row's `voucher` is as it was before this statement; `bound` says whether
   * the device's place was taken by it (durable when this resolves).
   */
  async claimVouchers(qs: ClaimQuery[]): Promise<(ClaimResult | null)[]> {
    // Each (code, MAC) pair once: a retransmitted login must not take two places.
    const unique = new Map<string, number>()
    const rowsIn: ClaimQuery[] = []
    const slot = qs.map((q) => {
      const key = `${q.code}|${q.mac}`
      let i = unique.get(key)
      if (i === undefined) {
        unique.set(key, (i = rowsIn.length))
        rowsIn.push(q)
      }
      return i
    })
    const periods = rowsIn.map((q) => this.#periods(q.now))
    const big = (v: bigint | null) => (v === null ? null : v.toString())
    const { rows } = await this.pool.query<DeviceColumns & VoucherRow & { n: number; bound: boolean; retry: boolean }>(this.#named('claim', CLAIM_BATCH_SQL, [
      rowsIn.map((q) => q.code),
      rowsIn.map((q) => q.mac),
      periods.map((p) => p[0]),
      periods.map((p) => p[1]),
      rowsIn.map((q) => q.siteId),
      rowsIn.map((q) => q.now.toISOString()),
      rowsIn.map((q) => q.policy.simultaneousUse),
      rowsIn.map((q) => q.policy.sessionSeconds),
      rowsIn.map((q) => q.policy.dailySeconds),
      rowsIn.map((q) => q.policy.monthlySeconds),
      rowsIn.map((q) => big(q.policy.sessionBytes)),
      rowsIn.map((q) => big(q.policy.dailyBytes)),
      rowsIn.map((q) => big(q.policy.monthlyBytes)),
    ]))
    const answers = byPosition(rowsIn.length, rows, (r) => ({ voucher: voucherOf(r, rowsIn[r.n - 1]!.code), device: deviceOf(r), bound: r.bound, retry: r.retry }))
    return slot.map((i) => answers[i] ?? null)
  }

  /** Marks one-time credentials used, a batch in one statement (one commit). */
  async markCredentialsUsed(reqs: { id: number; now: Date }[]): Promise<void[]> {
    const last = reqs.reduce((a, r) => Math.max(a, r.now.getTime()), 0)
    await this.pool.query(this.#named('mark-used', MARK_USED_BATCH_SQL, [reqs.map((r) => r.id), new Date(last).toISOString()]))
    return reqs.map(() => undefined)
  }

  async policyForSite(siteId: number): Promise<EffectivePolicy> {
    const site = await this.prisma.site.findUnique({ where: { id: siteId }, include: { policy: true } })
    return effectivePolicy(site?.policy)
  }

  async voucher(code: string): Promise<VoucherSnapshot | null> {
    const { rows } = await this.pool.query<VoucherRow>(VOUCHER_SQL, [code])
    const r = rows[0]
    return r ? voucherOf(r) : null
  }

  async credential(username: string): Promise<CredentialState | null> {
    const c = await this.prisma.credential.findUnique({ where: { username }, include: { device: { select: { mac: true } } } })
    if (!c) return null
    return {
      id: c.id,
      username: c.username,
      password: this.secrets.decrypt(c.passwordEnc),
      deviceMac: c.device.mac,
      deviceId: c.deviceId,
      nasId: c.nasId,
      siteId: c.siteId,
      method: c.method,
      voucherId: c.voucherId,
      expiresAt: c.expiresAt,
      usedAt: c.usedAt,
    }
  }

  /** Usage this local day and month and consent of a device, in one query. */
  async device(mac: string, now: Date): Promise<DeviceSnapshot> {
    const day = localDay(now, this.timeZone).toISOString().slice(0, 10)
    const month = localMonthStart(now, this.timeZone).toISOString().slice(0, 10)
    const { rows } = await this.pool.query<{
      id: number
      daySeconds: number
      dayOctets: string
      monthSeconds: number
      monthOctets: string
      consentUntil: Record<string, number> | null
    }>(DEVICE_SQL, [mac, day, month])
    const r = rows[0]
    if (!r) return NO_DEVICE
    return {
      deviceId: r.id,
      usage: { daySeconds: r.daySeconds, dayOctets: BigInt(r.dayOctets), monthSeconds: r.monthSeconds, monthOctets: BigInt(r.monthOctets) },
      consentUntil: consentsOf(r.consentUntil),
    }
  }

  /**
   * Records that a device used a voucher, unless its device places are taken,
   * in one statement. The places are numbered (VoucherDevice.slot, unique per
   * voucher): of two new devices racing for the last place, one insert
   * conflicts and that device is refused.
   */
  async bindVoucherDevice(voucherId: number, mac: string, maxDevices: number): Promise<{ bound: boolean; deviceId: number }> {
    const rows = await this.prisma.$queryRaw<{ deviceId: number; bound: boolean }[]>`
      WITH d AS (
        INSERT INTO "Device" (mac, "firstSeenAt", "lastSeenAt") VALUES (${mac}, now(), now())
        ON CONFLICT (mac) DO UPDATE SET "lastSeenAt" = EXCLUDED."lastSeenAt" RETURNING id),
      cur AS (
        SELECT count(*)::int AS n, COALESCE(bool_or(vd."deviceId" = (SELECT id FROM d)), false) AS mine
        FROM "VoucherDevice" vd WHERE vd."voucherId" = ${voucherId}),
      ins AS (
        INSERT INTO "VoucherDevice" ("voucherId", "deviceId", "slot", "firstAt")
        SELECT ${voucherId}, d.id, cur.n + 1, now() FROM d, cur WHERE NOT cur.mine AND cur.n < ${maxDevices}
        ON CONFLICT DO NOTHING RETURNING "deviceId"),
      first AS (
        UPDATE "Voucher" SET "firstUsedAt" = now() WHERE id = ${voucherId} AND "firstUsedAt" IS NULL AND EXISTS (SELECT 1 FROM ins) RETURNING id)
      SELECT (SELECT id FROM d) AS "deviceId", (SELECT mine FROM cur) OR EXISTS (SELECT 1 FROM ins) AS bound`
    const r = rows[0]!
    return { bound: r.bound, deviceId: r.deviceId }
  }

  async markCredentialUsed(id: number, now: Date): Promise<void> {
    await this.prisma.credential.updateMany({ where: { id, usedAt: null }, data: { usedAt: now } })
  }

  /** The device row for a MAC, created on first sight (MAC authentication of a device never seen has no consent anyway). */
  async deviceId(mac: string): Promise<number> {
    const d = await this.prisma.device.upsert({ where: { mac }, create: { mac }, update: {}, select: { id: true } })
    return d.id
  }
}

/** The statements above, for test/bench/explain-auth.ts to show their plans. */
export const AUTH_SQL = { CLAIM_BATCH_SQL, VOUCHER_SQL, DEVICE_SQL, VOUCHERS_BATCH_SQL, CREDENTIALS_BATCH_SQL, DEVICES_BATCH_SQL, BIND_BATCH_SQL, MARK_USED_BATCH_SQL }
