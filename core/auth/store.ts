// What authorization reads from and writes to the database, one round trip
// per question. radius/ wraps it in a cache (cache.ts) so that a known
// credential is decided without the database at all.
import type pg from 'pg'
import type { PrismaClient } from '../db/generated/client.js'
import type { SecretBox } from '../secret-box.js'
import { localDay, localMonthStart } from './periods.js'
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
  /** Sessions of this device not yet stopped. */
  openSessions: number
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

const VOUCHER_SQL = `
SELECT v.id, v.code, v."siteId", v.minutes, v."usedSeconds", v."maxDevices",
  (extract(epoch FROM v."validUntil") * 1000)::float8 AS "validUntil",
  (extract(epoch FROM v."revokedAt") * 1000)::float8 AS "revokedAt",
  (SELECT array_agg(d.mac ORDER BY vd.slot) FROM "VoucherDevice" vd JOIN "Device" d ON d.id = vd."deviceId" WHERE vd."voucherId" = v.id) AS devices,
  (SELECT array_agg(COALESCE(d.mac, '')) FROM "Session" s LEFT JOIN "Device" d ON d.id = s."deviceId"
    WHERE s."voucherId" = v.id AND s."stoppedAt" IS NULL) AS open
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
    GROUP BY c."siteId") x) AS "consentUntil",
  (SELECT count(*)::int FROM "Session" s WHERE s."deviceId" = d.id AND s."stoppedAt" IS NULL) AS open
FROM "Device" d LEFT JOIN "DeviceUsageDaily" u ON u."deviceId" = d.id AND u.day >= $3::date
WHERE d.mac = $1
GROUP BY d.id`

export class AuthStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pool: pg.Pool,
    private readonly secrets: SecretBox,
    private readonly timeZone: string,
  ) {}

  async policyForSite(siteId: number): Promise<EffectivePolicy> {
    const site = await this.prisma.site.findUnique({ where: { id: siteId }, include: { policy: true } })
    return effectivePolicy(site?.policy)
  }

  async voucher(code: string): Promise<VoucherSnapshot | null> {
    const { rows } = await this.pool.query<{
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
    }>(VOUCHER_SQL, [code])
    const r = rows[0]
    if (!r) return null
    return {
      id: r.id,
      code: r.code,
      siteId: r.siteId,
      minutes: r.minutes,
      usedSeconds: r.usedSeconds,
      maxDevices: r.maxDevices,
      validUntil: ms(r.validUntil),
      revokedAt: ms(r.revokedAt),
      devices: r.devices ?? [],
      openDevices: r.open ?? [],
    }
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

  /** Usage this local day and month, consent, and open sessions of a device, in one query. */
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
      open: number
    }>(DEVICE_SQL, [mac, day, month])
    const r = rows[0]
    if (!r) return { deviceId: null, usage: { daySeconds: 0, dayOctets: 0n, monthSeconds: 0, monthOctets: 0n }, consentUntil: new Map(), openSessions: 0 }
    return {
      deviceId: r.id,
      usage: { daySeconds: r.daySeconds, dayOctets: BigInt(r.dayOctets), monthSeconds: r.monthSeconds, monthOctets: BigInt(r.monthOctets) },
      consentUntil: new Map(Object.entries(r.consentUntil ?? {}).map(([site, until]) => [Number(site), new Date(until)])),
      openSessions: r.open,
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
