// Stores a batch of accounting records in one transaction (group commit):
// sessions, and from the change in their counters, the per-device daily
// usage (quotas) and voucher time used; what changed is left for the
// statistics (core/stats/pending.ts, folded out of this transaction).
// Set-based SQL keeps it to a handful of statements per batch, whatever its
// size; each statement gets its rows as one JSON parameter, which pg and
// PostgreSQL handle far faster than one array parameter per column.
// Counters only grow (GREATEST), so a retransmitted or reordered record
// changes nothing twice: the deltas are what is new.
import type pg from 'pg'
import { localDay } from '../stats/calendar.js'
import { recordPending } from '../stats/pending.js'
import type { AccountingRecord } from './record.js'

export interface SessionChange {
  sessionId: bigint
  nasId: number
  acctSessionId: string
  siteId: number
  deviceId: number | null
  voucherId: number | null
  inserted: boolean
  stopped: boolean
  deltaSeconds: number
  deltaInput: bigint
  deltaOutput: bigint
}

/** The records of one session in a batch, as one row: its span instead of one event. */
interface Merged extends Omit<AccountingRecord, 'status' | 'eventTime'> {
  startedAt: Date
  updatedAt: Date
  stoppedAt: Date | null
}

const maxDate = (a: Date, b: Date) => (a > b ? a : b)
const minDate = (a: Date, b: Date) => (a < b ? a : b)
const maxBig = (a: bigint, b: bigint) => (a > b ? a : b)
const sessionKey = (nasId: number, acctSessionId: string) => `${nasId}\u0000${acctSessionId}`

/** Prisma's DateTime columns are timestamp(3) without time zone, holding UTC. */
export function utcTimestamp(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '')
}

/** Several records of one session in a batch (start and interim together, say) become one row change. */
export function mergeRecords(records: AccountingRecord[]): Merged[] {
  const byKey = new Map<string, Merged>()
  for (const r of records) {
    const key = sessionKey(r.nasId, r.acctSessionId)
    const startedAt = new Date(r.eventTime.getTime() - r.sessionSeconds * 1000)
    const stoppedAt = r.status === 'stop' ? r.eventTime : null
    const m = byKey.get(key)
    if (!m) {
      byKey.set(key, {
        nasId: r.nasId,
        acctSessionId: r.acctSessionId,
        siteId: r.siteId,
        username: r.username,
        mac: r.mac,
        framedIp: r.framedIp,
        calledStation: r.calledStation,
        nasPort: r.nasPort,
        nasIp: r.nasIp,
        startedAt,
        updatedAt: r.eventTime,
        stoppedAt,
        sessionSeconds: r.sessionSeconds,
        inputOctets: r.inputOctets,
        outputOctets: r.outputOctets,
        terminateCause: r.terminateCause,
        interimSeconds: r.interimSeconds,
        authorized: r.authorized,
        method: r.method,
        voucherId: r.voucherId,
      })
      continue
    }
    m.startedAt = minDate(m.startedAt, startedAt)
    m.updatedAt = maxDate(m.updatedAt, r.eventTime)
    m.stoppedAt = m.stoppedAt ?? stoppedAt
    m.sessionSeconds = Math.max(m.sessionSeconds, r.sessionSeconds)
    m.inputOctets = maxBig(m.inputOctets, r.inputOctets)
    m.outputOctets = maxBig(m.outputOctets, r.outputOctets)
    m.terminateCause = m.terminateCause ?? r.terminateCause
    m.mac = m.mac ?? r.mac
    m.framedIp = r.framedIp ?? m.framedIp
    m.nasIp = r.nasIp ?? m.nasIp
    m.authorized = m.authorized || r.authorized
    m.method = m.method ?? r.method
    m.voucherId = m.voucherId ?? r.voucherId
  }
  // A fixed order of row locks: two batches at once (two RADIUS copies) never deadlock.
  return [...byKey.values()].sort((a, b) => a.nasId - b.nasId || (a.acctSessionId < b.acctSessionId ? -1 : a.acctSessionId > b.acctSessionId ? 1 : 0))
}

// JSON carries bigints as strings; PostgreSQL casts them back.
const json = (rows: unknown[]) => JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))

// Devices not known to this process yet: created if new, and their ids read
// (the UNION half sees the ones that existed before the statement).
const DEVICE_IDS = `
WITH input AS (SELECT DISTINCT mac FROM json_to_recordset($1::json) AS t(mac text) ORDER BY mac),
ins AS (INSERT INTO "Device" (mac, "firstSeenAt", "lastSeenAt") SELECT mac, now(), now() FROM input
        ON CONFLICT (mac) DO NOTHING RETURNING id, mac)
SELECT id, mac FROM ins UNION ALL
-- LATERAL … LIMIT 1: one index probe per MAC (a plain join hashes the whole Device table).
SELECT d.id, d.mac FROM input i CROSS JOIN LATERAL (SELECT id, mac FROM "Device" d WHERE d.mac = i.mac LIMIT 1) d`

// The counters before this batch, read with row locks: under READ COMMITTED a
// locking read returns the latest committed version, so a second transaction
// working on the same session waits here and then sees the first's result.
// (A CTE cannot do this inside the upsert: its FOR UPDATE skips rows the same
// statement updates.)
const LOCK_PREVIOUS = `
SELECT s."nasId", s."acctSessionId", s."sessionSeconds", s."inputOctets"::text, s."outputOctets"::text
FROM "Session" s JOIN json_to_recordset($1::json) AS k(n int, a text) ON s."nasId" = k.n AND s."acctSessionId" = k.a
ORDER BY s.id
FOR UPDATE OF s`

const UPSERT_SESSIONS = `
INSERT INTO "Session" AS s ("nasId", "acctSessionId", "siteId", "username", "deviceId", "framedIp", "calledStation", "nasPort",
  "startedAt", "updatedAt", "stoppedAt", "sessionSeconds", "inputOctets", "outputOctets", "terminateCause",
  "interimSeconds", "authorized", "method", "voucherId", "nasIp", "closeReason")
SELECT n, a, site, u, dev, fip, cs, np, st, up, sp, secs, i::bigint, o::bigint, tc, iv, auth, m::"LoginMethod", v, nip,
  CASE WHEN sp IS NULL THEN NULL ELSE 'stop'::"SessionCloseReason" END
FROM json_to_recordset($1::json) AS t(n int, a text, site int, u text, dev int, fip text, cs text, np text,
  st timestamp, up timestamp, sp timestamp, secs int, i text, o text, tc text, iv int, auth bool, m text, v int, nip text)
ON CONFLICT ("nasId", "acctSessionId") DO UPDATE SET
  "updatedAt" = GREATEST(s."updatedAt", EXCLUDED."updatedAt"),
  "startedAt" = LEAST(s."startedAt", EXCLUDED."startedAt"),
  "sessionSeconds" = GREATEST(s."sessionSeconds", EXCLUDED."sessionSeconds"),
  "inputOctets" = GREATEST(s."inputOctets", EXCLUDED."inputOctets"),
  "outputOctets" = GREATEST(s."outputOctets", EXCLUDED."outputOctets"),
  -- A session closed as stale that reports again was alive after all: open it again.
  "stoppedAt" = CASE WHEN s."closeReason" = 'stale' AND EXCLUDED."stoppedAt" IS NULL THEN NULL
                     ELSE COALESCE(s."stoppedAt", EXCLUDED."stoppedAt") END,
  "closeReason" = CASE WHEN s."closeReason" = 'stale' AND EXCLUDED."stoppedAt" IS NULL THEN NULL
                       WHEN s."closeReason" = 'stale' THEN EXCLUDED."closeReason"
                       ELSE COALESCE(s."closeReason", EXCLUDED."closeReason") END,
  "terminateCause" = COALESCE(s."terminateCause", EXCLUDED."terminateCause"),
  "deviceId" = COALESCE(s."deviceId", EXCLUDED."deviceId"),
  "voucherId" = COALESCE(s."voucherId", EXCLUDED."voucherId"),
  "method" = COALESCE(s."method", EXCLUDED."method"),
  "authorized" = s."authorized" OR EXCLUDED."authorized",
  "framedIp" = COALESCE(EXCLUDED."framedIp", s."framedIp"),
  "nasIp" = COALESCE(EXCLUDED."nasIp", s."nasIp")
RETURNING s."id"::text, s."nasId", s."acctSessionId", s."siteId", s."deviceId", s."voucherId", s."sessionSeconds",
  s."inputOctets"::text, s."outputOctets"::text, (s."stoppedAt" IS NOT NULL) AS stopped, (s.xmax = 0) AS inserted`

const DAILY = `
INSERT INTO "DeviceUsageDaily" AS d ("deviceId", "day", "seconds", "octets")
SELECT dev, day, secs, oct::bigint FROM json_to_recordset($1::json) AS t(dev int, day date, secs int, oct text) ORDER BY dev, day
ON CONFLICT ("deviceId", "day") DO UPDATE SET seconds = d.seconds + EXCLUDED.seconds, octets = d.octets + EXCLUDED.octets`

const VOUCHERS = `
UPDATE "Voucher" v SET "usedSeconds" = v."usedSeconds" + t.secs, "firstUsedAt" = COALESCE(v."firstUsedAt", now())
FROM (SELECT * FROM json_to_recordset($1::json) AS t(id int, secs int) ORDER BY id) AS t WHERE v.id = t.id`

interface UpsertRow {
  id: string
  nasId: number
  acctSessionId: string
  siteId: number
  deviceId: number | null
  voucherId: number | null
  sessionSeconds: number
  inputOctets: string
  outputOctets: string
  stopped: boolean
  inserted: boolean
}

interface PreviousRow {
  nasId: number
  acctSessionId: string
  sessionSeconds: number
  inputOctets: string
  outputOctets: string
}

const MAX_REMEMBERED = 200_000

/**
 * The accounting store of one process. It remembers device ids, so that a
 * busy hour of interim updates does not look up the same Device rows again.
 * What it remembers is only ever a shortcut: the statements are right without it.
 */
export class AccountingStore {
  readonly #deviceIds = new Map<string, number>()

  constructor(private readonly timeZone: string) {}

  /** Forgets device ids (a device row was deleted, by retention say). */
  forgetDevices(): void {
    this.#deviceIds.clear()
  }

  /**
   * Applies a batch inside the caller's transaction; returns what changed per
   * session, and `committed`, to call once the transaction has committed (what
   * a rolled-back batch wrote must not be remembered).
   */
  async apply(client: pg.ClientBase, records: AccountingRecord[]): Promise<{ changes: SessionChange[]; committed: () => void }> {
    if (!records.length) return { changes: [], committed: () => {} }
    const merged = mergeRecords(records)
    const newDevices = await this.#devices(client, merged)
    const deviceId = (mac: string) => this.#deviceIds.get(mac) ?? newDevices.get(mac) ?? null

    const previous = await client.query<PreviousRow>(LOCK_PREVIOUS, [json(merged.map((m) => ({ n: m.nasId, a: m.acctSessionId })))])
    const before = new Map(previous.rows.map((r) => [sessionKey(r.nasId, r.acctSessionId), r]))
    const res = await client.query<UpsertRow>(UPSERT_SESSIONS, [
      json(
        merged.map((m) => ({
          n: m.nasId,
          a: m.acctSessionId,
          site: m.siteId,
          u: m.username,
          dev: m.mac ? deviceId(m.mac) : null,
          fip: m.framedIp,
          cs: m.calledStation,
          np: m.nasPort,
          st: utcTimestamp(m.startedAt),
          up: utcTimestamp(m.updatedAt),
          sp: m.stoppedAt ? utcTimestamp(m.stoppedAt) : null,
          secs: m.sessionSeconds,
          i: m.inputOctets,
          o: m.outputOctets,
          tc: m.terminateCause,
          iv: m.interimSeconds,
          auth: m.authorized,
          m: m.method,
          v: m.voucherId,
          nip: m.nasIp,
        })),
      ),
    ])

    const eventTime = new Map(merged.map((m) => [sessionKey(m.nasId, m.acctSessionId), m.updatedAt]))
    const changes: SessionChange[] = res.rows.map((r) => {
      const p = before.get(sessionKey(r.nasId, r.acctSessionId))
      return {
        sessionId: BigInt(r.id),
        nasId: r.nasId,
        acctSessionId: r.acctSessionId,
        siteId: r.siteId,
        deviceId: r.deviceId,
        voucherId: r.voucherId,
        inserted: r.inserted,
        stopped: r.stopped,
        deltaSeconds: Math.max(0, r.sessionSeconds - (p?.sessionSeconds ?? 0)),
        deltaInput: maxBig(0n, BigInt(r.inputOctets) - BigInt(p?.inputOctets ?? 0)),
        deltaOutput: maxBig(0n, BigInt(r.outputOctets) - BigInt(p?.outputOctets ?? 0)),
      }
    })
    await this.#rollups(client, changes, (c) => eventTime.get(sessionKey(c.nasId, c.acctSessionId))!)
    return {
      changes,
      committed: () => {
        if (this.#deviceIds.size + newDevices.size > MAX_REMEMBERED) this.#deviceIds.clear()
        for (const [mac, id] of newDevices) this.#deviceIds.set(mac, id)
      },
    }
  }

  /** Ids of the batch's devices this process does not know yet (created when new). */
  async #devices(client: pg.ClientBase, merged: Merged[]): Promise<Map<string, number>> {
    const unknown = [...new Set(merged.map((m) => m.mac).filter((m): m is string => m !== null && !this.#deviceIds.has(m)))]
    const found = new Map<string, number>()
    if (unknown.length) {
      const res = await client.query<{ id: number; mac: string }>(DEVICE_IDS, [json(unknown.map((mac) => ({ mac })))])
      for (const r of res.rows) found.set(r.mac, r.id)
    }
    return found
  }

  /** Writes the quota counters and voucher time, and leaves the changes for the statistics. */
  async #rollups(client: pg.ClientBase, changes: SessionChange[], when: (c: SessionChange) => Date): Promise<void> {
    // Each target row once per statement (ON CONFLICT cannot touch a row twice).
    const daily = new Map<string, { dev: number; day: string; secs: number; oct: bigint }>()
    const vouchers = new Map<number, number>()
    for (const c of changes) {
      const at = when(c)
      if (c.deviceId !== null && (c.deltaSeconds || c.deltaInput || c.deltaOutput)) {
        const day = localDay(at, this.timeZone).toISOString().slice(0, 10)
        const dk = `${c.deviceId}|${day}`
        let d = daily.get(dk)
        if (!d) daily.set(dk, (d = { dev: c.deviceId, day, secs: 0, oct: 0n }))
        d.secs += c.deltaSeconds
        d.oct += c.deltaInput + c.deltaOutput
      }
      if (c.voucherId !== null && c.deltaSeconds) vouchers.set(c.voucherId, (vouchers.get(c.voucherId) ?? 0) + c.deltaSeconds)
    }
    await recordPending(
      client,
      changes.map((c) => ({ sessionId: c.sessionId, siteId: c.siteId, at: when(c), deltaInput: c.deltaInput, deltaOutput: c.deltaOutput })),
    )
    if (daily.size) await client.query(DAILY, [json([...daily.values()])])
    if (vouchers.size) await client.query(VOUCHERS, [json([...vouchers].map(([id, secs]) => ({ id, secs })))])
  }
}

/** Records stored in a transaction of their own: for writers other than RADIUS (the portal's openNDS sessions). */
export async function storeRecords(pool: pg.Pool, timeZone: string, records: AccountingRecord[]): Promise<SessionChange[]> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const { changes } = await new AccountingStore(timeZone).apply(client, records)
    await client.query('COMMIT')
    return changes
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    client.release()
  }
}

/** The batch statements whose plans test/bench/explain-auth.ts checks at millions of sessions. */
export const ACCOUNTING_SQL = { DEVICE_IDS, LOCK_PREVIOUS, UPSERT_SESSIONS }
