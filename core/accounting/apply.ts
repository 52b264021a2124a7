// Stores a batch of accounting records in one transaction (group commit):
// sessions, and from the change in their counters, the per-device daily
// usage (quotas), the per-site hourly statistics and voucher time used.
// Set-based SQL over arrays keeps it to a handful of statements per batch,
// whatever its size. Counters only grow (GREATEST), so a retransmitted or
// reordered record changes nothing twice: the deltas are what is new.
import type pg from 'pg'
import { hourOf, localDay } from '../auth/periods.js'
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

interface Merged {
  nasId: number
  acctSessionId: string
  siteId: number
  username: string
  mac: string | null
  framedIp: string | null
  calledStation: string | null
  nasPort: string | null
  nasIp: string | null
  startedAt: Date
  updatedAt: Date
  stoppedAt: Date | null
  sessionSeconds: number
  inputOctets: bigint
  outputOctets: bigint
  terminateCause: string | null
  interimSeconds: number
  authorized: boolean
  method: string | null
  voucherId: number | null
}

const maxDate = (a: Date, b: Date) => (a > b ? a : b)
const minDate = (a: Date, b: Date) => (a < b ? a : b)
const maxBig = (a: bigint, b: bigint) => (a > b ? a : b)

/** Several records of one session in a batch (start and interim together, say) become one row change. */
export function mergeRecords(records: AccountingRecord[]): Merged[] {
  const byKey = new Map<string, Merged>()
  for (const r of records) {
    const key = `${r.nasId}\u0000${r.acctSessionId}`
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

// The counters before this batch, read with row locks: under READ COMMITTED a
// locking read returns the latest committed version, so a second RADIUS copy
// working on the same session waits here and then sees our result. (A CTE
// cannot do this inside the upsert: its FOR UPDATE skips rows the same
// statement updates.)
const LOCK_PREVIOUS = `
SELECT s."nasId", s."acctSessionId", s."sessionSeconds", s."inputOctets", s."outputOctets"
FROM "Session" s JOIN unnest($1::int[], $2::text[]) AS k(nas_id, acct_session_id)
  ON s."nasId" = k.nas_id AND s."acctSessionId" = k.acct_session_id
ORDER BY s.id
FOR UPDATE OF s`

const UPSERT_SESSIONS = `
INSERT INTO "Session" AS s ("nasId", "acctSessionId", "siteId", "username", "deviceId", "framedIp", "calledStation", "nasPort",
  "startedAt", "updatedAt", "stoppedAt", "sessionSeconds", "inputOctets", "outputOctets", "terminateCause",
  "interimSeconds", "authorized", "method", "voucherId", "nasIp", "closeReason")
SELECT nas_id, acct_session_id, site_id, username, device_id, framed_ip, called_station, nas_port,
  started_at, updated_at, stopped_at, session_seconds, input_octets, output_octets, terminate_cause,
  interim_seconds, authorized, method::"LoginMethod", voucher_id, nas_ip,
  CASE WHEN stopped_at IS NULL THEN NULL ELSE 'stop'::"SessionCloseReason" END
FROM unnest($1::int[], $2::text[], $3::int[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[],
            $9::timestamp[], $10::timestamp[], $11::timestamp[], $12::int[], $13::bigint[], $14::bigint[],
            $15::text[], $16::int[], $17::bool[], $18::text[], $19::int[], $20::text[])
  AS t(nas_id, acct_session_id, site_id, username, device_id, framed_ip, called_station, nas_port,
       started_at, updated_at, stopped_at, session_seconds, input_octets, output_octets,
       terminate_cause, interim_seconds, authorized, method, voucher_id, nas_ip)
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
RETURNING s."id", s."nasId", s."acctSessionId", s."siteId", s."deviceId", s."voucherId", s."sessionSeconds",
  s."inputOctets", s."outputOctets", s."stoppedAt", (s.xmax = 0) AS inserted`

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
  stoppedAt: Date | null
  inserted: boolean
}

interface PreviousRow {
  nasId: number
  acctSessionId: string
  sessionSeconds: number
  inputOctets: string
  outputOctets: string
}

/** Applies a batch inside the caller's transaction; returns what changed per session. */
export async function applyAccounting(client: pg.ClientBase, records: AccountingRecord[], timeZone: string): Promise<SessionChange[]> {
  if (!records.length) return []
  const merged = mergeRecords(records)

  // Devices first, in a fixed order.
  const macs = [...new Set(merged.map((m) => m.mac).filter((m): m is string => m !== null))].sort()
  const deviceIds = new Map<string, number>()
  if (macs.length) {
    const res = await client.query<{ id: number; mac: string }>(
      `INSERT INTO "Device" (mac, "firstSeenAt", "lastSeenAt") SELECT m, now(), now() FROM unnest($1::text[]) AS m
       ON CONFLICT (mac) DO UPDATE SET "lastSeenAt" = now() RETURNING id, mac`,
      [macs],
    )
    for (const r of res.rows) deviceIds.set(r.mac, r.id)
  }

  const col = <T>(f: (m: Merged) => T) => merged.map(f)
  const previous = await client.query<PreviousRow>(LOCK_PREVIOUS, [col((m) => m.nasId), col((m) => m.acctSessionId)])
  const before = new Map(previous.rows.map((r) => [`${r.nasId}\u0000${r.acctSessionId}`, r]))
  const res = await client.query<UpsertRow>(UPSERT_SESSIONS, [
    col((m) => m.nasId),
    col((m) => m.acctSessionId),
    col((m) => m.siteId),
    col((m) => m.username),
    col((m) => (m.mac ? (deviceIds.get(m.mac) ?? null) : null)),
    col((m) => m.framedIp),
    col((m) => m.calledStation),
    col((m) => m.nasPort),
    col((m) => utcTimestamp(m.startedAt)),
    col((m) => utcTimestamp(m.updatedAt)),
    col((m) => (m.stoppedAt ? utcTimestamp(m.stoppedAt) : null)),
    col((m) => m.sessionSeconds),
    col((m) => m.inputOctets.toString()),
    col((m) => m.outputOctets.toString()),
    col((m) => m.terminateCause),
    col((m) => m.interimSeconds),
    col((m) => m.authorized),
    col((m) => m.method),
    col((m) => m.voucherId),
    col((m) => m.nasIp),
  ])

  const eventTime = new Map(merged.map((m) => [`${m.nasId}\u0000${m.acctSessionId}`, m.updatedAt]))
  const changes: SessionChange[] = res.rows.map((r) => {
    const p = before.get(`${r.nasId}\u0000${r.acctSessionId}`)
    return {
    sessionId: BigInt(r.id),
    nasId: r.nasId,
    acctSessionId: r.acctSessionId,
    siteId: r.siteId,
    deviceId: r.deviceId,
    voucherId: r.voucherId,
    inserted: r.inserted,
    stopped: r.stoppedAt !== null,
    deltaSeconds: Math.max(0, r.sessionSeconds - (p?.sessionSeconds ?? 0)),
    deltaInput: maxBig(0n, BigInt(r.inputOctets) - BigInt(p?.inputOctets ?? 0)),
    deltaOutput: maxBig(0n, BigInt(r.outputOctets) - BigInt(p?.outputOctets ?? 0)),
    }
  })

  await applyRollups(client, changes, (c) => eventTime.get(`${c.nasId}\u0000${c.acctSessionId}`)!, timeZone)
  return changes
}

async function applyRollups(client: pg.ClientBase, changes: SessionChange[], when: (c: SessionChange) => Date, timeZone: string) {
  // Each target row once per statement (ON CONFLICT cannot touch a row twice), in a fixed order.
  const hourly = new Map<string, { siteId: number; hour: Date; started: number; seconds: number; input: bigint; output: bigint }>()
  const seen = new Map<string, { siteId: number; hour: Date; deviceId: number }>()
  const daily = new Map<string, { deviceId: number; day: Date; seconds: number; octets: bigint }>()
  const vouchers = new Map<number, number>()
  for (const c of changes) {
    const at = when(c)
    const hour = hourOf(at)
    const hk = `${c.siteId}|${hour.getTime()}`
    const h = hourly.get(hk) ?? { siteId: c.siteId, hour, started: 0, seconds: 0, input: 0n, output: 0n }
    h.started += c.inserted ? 1 : 0
    h.seconds += c.deltaSeconds
    h.input += c.deltaInput
    h.output += c.deltaOutput
    hourly.set(hk, h)
    if (c.deviceId !== null) {
      seen.set(`${hk}|${c.deviceId}`, { siteId: c.siteId, hour, deviceId: c.deviceId })
      if (c.deltaSeconds || c.deltaInput || c.deltaOutput) {
        const day = localDay(at, timeZone)
        const dk = `${c.deviceId}|${day.getTime()}`
        const d = daily.get(dk) ?? { deviceId: c.deviceId, day, seconds: 0, octets: 0n }
        d.seconds += c.deltaSeconds
        d.octets += c.deltaInput + c.deltaOutput
        daily.set(dk, d)
      }
    }
    if (c.voucherId !== null && c.deltaSeconds) vouchers.set(c.voucherId, (vouchers.get(c.voucherId) ?? 0) + c.deltaSeconds)
  }
  const sorted = <T extends { siteId?: number; deviceId?: number }>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v)

  if (seen.size) {
    const rows = sorted(seen)
    await client.query(
      `WITH ins AS (
         INSERT INTO "UsageHourlyDevice" ("siteId", "hour", "deviceId")
         SELECT * FROM unnest($1::int[], $2::timestamp[], $3::int[]) ON CONFLICT DO NOTHING RETURNING "siteId", "hour")
       INSERT INTO "UsageHourly" AS u ("siteId", "hour", "uniqueDevices")
       SELECT "siteId", "hour", count(*) FROM ins GROUP BY 1, 2 ORDER BY 1, 2
       ON CONFLICT ("siteId", "hour") DO UPDATE SET "uniqueDevices" = u."uniqueDevices" + EXCLUDED."uniqueDevices"`,
      [rows.map((r) => r.siteId), rows.map((r) => utcTimestamp(r.hour)), rows.map((r) => r.deviceId)],
    )
  }
  if (hourly.size) {
    const rows = sorted(hourly)
    await client.query(
      `INSERT INTO "UsageHourly" AS u ("siteId", "hour", "sessionsStarted", "sessionSeconds", "inputOctets", "outputOctets")
       SELECT * FROM unnest($1::int[], $2::timestamp[], $3::int[], $4::bigint[], $5::bigint[], $6::bigint[])
       ON CONFLICT ("siteId", "hour") DO UPDATE SET
         "sessionsStarted" = u."sessionsStarted" + EXCLUDED."sessionsStarted",
         "sessionSeconds" = u."sessionSeconds" + EXCLUDED."sessionSeconds",
         "inputOctets" = u."inputOctets" + EXCLUDED."inputOctets",
         "outputOctets" = u."outputOctets" + EXCLUDED."outputOctets"`,
      [
        rows.map((r) => r.siteId),
        rows.map((r) => utcTimestamp(r.hour)),
        rows.map((r) => r.started),
        rows.map((r) => r.seconds),
        rows.map((r) => r.input.toString()),
        rows.map((r) => r.output.toString()),
      ],
    )
  }
  if (daily.size) {
    const rows = sorted(daily)
    await client.query(
      `INSERT INTO "DeviceUsageDaily" AS d ("deviceId", "day", "seconds", "octets")
       SELECT * FROM unnest($1::int[], $2::date[], $3::int[], $4::bigint[])
       ON CONFLICT ("deviceId", "day") DO UPDATE SET seconds = d.seconds + EXCLUDED.seconds, octets = d.octets + EXCLUDED.octets`,
      [rows.map((r) => r.deviceId), rows.map((r) => r.day.toISOString().slice(0, 10)), rows.map((r) => r.seconds), rows.map((r) => r.octets.toString())],
    )
  }
  if (vouchers.size) {
    const ids = [...vouchers.keys()].sort((a, b) => a - b)
    await client.query(
      `UPDATE "Voucher" v SET "usedSeconds" = v."usedSeconds" + u.d, "firstUsedAt" = COALESCE(v."firstUsedAt", now())
       FROM unnest($1::int[], $2::int[]) AS u(id, d) WHERE v.id = u.id`,
      [ids, ids.map((id) => vouchers.get(id)!)],
    )
  }
}

/** Prisma's DateTime columns are timestamp(3) without time zone, holding UTC. */
export function utcTimestamp(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '')
}
