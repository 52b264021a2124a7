// The fold: turns what accounting left in StatsPending into the statistics
// tables, every 10 s or, while accounting is busy, up to a minute apart
// (FoldPacer), in set-based statements (a handful per batch of
// up to `batch` changes, whatever their number). One copy folds at a time
// (an advisory lock): the others find it taken and go on.
//
// Traffic is added as reported. Everything else is recomputed, not added:
// each changed session is cut into its parts per clock hour (StatsPiece),
// and every hour a part came into or left is computed again from all the
// parts of that hour. So a retransmitted, reordered or late record, a
// session closed by Accounting-On or as stale, or one reopened, leaves the
// same figures as if everything had come once and in order; and the peak is
// exact (the most parts open at one instant), not sampled.
//
// Parts are working data, kept PIECE_KEEP_MS (working-data.ts purges them):
// hours older than that are final, and the fold leaves them alone (only
// their traffic still adds up).
import type pg from 'pg'
import { hourOf } from './calendar.js'

export const PIECE_KEEP_MS = 2 * 86_400_000

/** Advisory lock key of the fold (any constant shared by every copy). */
export const FOLD_LOCK = 0x63770001

export interface FoldOptions {
  /** Changes taken per transaction. */
  batch?: number
  /** Stop after this many transactions (the next run goes on). */
  maxRounds?: number
  /** Hours before this are final; null: none (loading history, the benchmark). Default: from PIECE_KEEP_MS. */
  horizon?: Date | null
  /** Milliseconds per step, added up over the run (the benchmark prints them). */
  steps?: Record<string, number>
}

export interface FoldResult {
  /** Pending rows taken. */
  changes: number
  /** Session-hour parts written. */
  parts: number
  /** Site-hours recomputed. */
  hours: number
  /** False when another copy held the lock. */
  ran: boolean
}

/** The first hour the fold may still change at `now`: newer than any hour whose parts may be purged. */
export function foldHorizon(now: Date): Date {
  return new Date(hourOf(new Date(now.getTime() - PIECE_KEEP_MS)).getTime() + 3_600_000)
}

/** Prisma's DateTime columns are timestamp(3) without time zone, holding UTC. */
const utc = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '')

// Changes are taken by a range of ids from the oldest: one index range scan,
// not a sort and a semi-join per row. A gap (a rolled-back insert) only
// makes a batch smaller; a row committed late with a lower id is taken by a
// later run (every visible row at or past the lowest id is reachable).
const TAKE = `
WITH lo AS (SELECT min(id) AS m FROM "StatsPending"),
t AS (DELETE FROM "StatsPending" WHERE id >= (SELECT m FROM lo) AND id < (SELECT m FROM lo) + $1
      RETURNING "sessionId", "siteId", "hour", "inputOctets", "outputOctets")
INSERT INTO fold_pending SELECT * FROM t`

const OCTETS = `
INSERT INTO "StatsHourly" AS h ("scope", "hour", "inputOctets", "outputOctets")
SELECT scope, hour, sum(i), sum(o)
FROM (SELECT "siteId" AS scope, hour, i, o FROM fold_pending UNION ALL SELECT 0, hour, i, o FROM fold_pending) x
GROUP BY 1, 2 HAVING sum(i) > 0 OR sum(o) > 0 ORDER BY 1, 2
ON CONFLICT ("scope", "hour") DO UPDATE SET
  "inputOctets" = h."inputOctets" + EXCLUDED."inputOctets",
  "outputOctets" = h."outputOctets" + EXCLUDED."outputOctets"`

// A session is online over [start, start + seconds]: a part per clock hour it
// touches. Its end belongs to the hour before when it falls on the hour.
const NEW_PIECES = `
CREATE TEMP TABLE fold_new ON COMMIT DROP AS
SELECT s.id AS "sessionId", g.hour::timestamp(3) AS hour, s."siteId", s."deviceId", s."method",
  GREATEST(s."startedAt", g.hour)::timestamp(3) AS "startAt", LEAST(x.e, g.hour + interval '1 hour')::timestamp(3) AS "endAt",
  g.hour = date_trunc('hour', s."startedAt") AS started,
  s."stoppedAt" IS NOT NULL AND g.hour = date_trunc('hour', x.last) AS ended,
  s."sessionSeconds" AS seconds
FROM (SELECT DISTINCT "sessionId" AS id FROM fold_pending) f
JOIN "Session" s ON s.id = f.id
CROSS JOIN LATERAL (SELECT s."startedAt" + make_interval(secs => s."sessionSeconds") AS e,
  GREATEST(s."startedAt", s."startedAt" + make_interval(secs => s."sessionSeconds") - interval '1 millisecond') AS last) x
CROSS JOIN LATERAL generate_series(date_trunc('hour', s."startedAt"), date_trunc('hour', x.last), interval '1 hour') AS g(hour)
WHERE $1::timestamp IS NULL OR g.hour >= $1::timestamp`

const DIRTY = `
CREATE TEMP TABLE fold_dirty ON COMMIT DROP AS
SELECT DISTINCT scope, hour FROM (
  SELECT p."siteId" AS scope, p.hour FROM "StatsPiece" p JOIN (SELECT DISTINCT "sessionId" FROM fold_pending) f ON p."sessionId" = f."sessionId"
  WHERE $1::timestamp IS NULL OR p.hour >= $1::timestamp
  UNION ALL SELECT "siteId", hour FROM fold_new) d`

const DIRTY_ALL = `INSERT INTO fold_dirty SELECT DISTINCT 0, hour FROM fold_dirty`

const DROP_PIECES = `
DELETE FROM "StatsPiece" p USING (SELECT DISTINCT "sessionId" FROM fold_pending) f
WHERE p."sessionId" = f."sessionId" AND ($1::timestamp IS NULL OR p.hour >= $1::timestamp)`

const ADD_PIECES = `
INSERT INTO "StatsPiece" ("sessionId", "hour", "siteId", "deviceId", "method", "startAt", "endAt", "started", "ended", "seconds")
SELECT "sessionId", hour, "siteId", "deviceId", "method", "startAt", "endAt", started, ended, seconds FROM fold_new ORDER BY 1, 2`

// The parts of each dirty scope-hour (scope 0: every site's). Every dirty
// hour is dirty for all sites too, so all its parts are read anyway: read
// once, by the (hour, siteId) index, and taken again for the dirty sites.
const PARTS = `
raw AS MATERIALIZED (SELECT pc."siteId", pc.hour, pc."deviceId", pc."method", pc."startAt", pc."endAt", pc.started, pc.ended, pc.seconds
  FROM (SELECT DISTINCT hour FROM fold_dirty WHERE scope = 0) d JOIN "StatsPiece" pc ON pc.hour = d.hour),
p AS MATERIALIZED (
  SELECT r."siteId" AS scope, r.hour, r."deviceId", r."method", r."startAt", r."endAt", r.started, r.ended, r.seconds
  FROM raw r JOIN fold_dirty d ON d.scope = r."siteId" AND d.hour = r.hour AND d.scope <> 0
  UNION ALL SELECT 0, hour, "deviceId", "method", "startAt", "endAt", started, ended, seconds FROM raw)`

// Every figure of the dirty hours from their parts, in one statement that
// reads them once; the lengths of ended sessions by minute go to
// StatsDuration (the dirty hours' rows were deleted just before).
// Peak: starts before ends at one instant (a part is a closed span).
const HOURLY = `
WITH ${PARTS},
durations AS (
  INSERT INTO "StatsDuration" ("scope", "hour", "minute", "count")
  SELECT scope, hour, seconds / 60, count(*)::int FROM p WHERE ended GROUP BY 1, 2, 3 ORDER BY 1, 2, 3),
agg AS (
  SELECT scope, hour, count(*) FILTER (WHERE started)::int AS sessions, count(DISTINCT "deviceId")::int AS devices,
    round(sum(extract(epoch FROM "endAt" - "startAt")))::bigint AS secs,
    count(*) FILTER (WHERE ended)::int AS ended, COALESCE(sum(seconds) FILTER (WHERE ended), 0)::bigint AS ended_secs,
    count(*) FILTER (WHERE started AND method = 'click_through')::int AS ct,
    count(*) FILTER (WHERE started AND method = 'otp')::int AS otp,
    count(*) FILTER (WHERE started AND method = 'voucher')::int AS voucher,
    count(*) FILTER (WHERE started AND method = 'mac')::int AS mac
  FROM p GROUP BY 1, 2),
ev AS (SELECT scope, hour, "startAt" AS t, 1 AS delta FROM p UNION ALL SELECT scope, hour, "endAt", -1 FROM p),
run AS (SELECT scope, hour, sum(delta) OVER (PARTITION BY scope, hour ORDER BY t, delta DESC ROWS UNBOUNDED PRECEDING) AS open FROM ev),
peak AS (SELECT scope, hour, max(open)::int AS peak FROM run GROUP BY 1, 2)
INSERT INTO "StatsHourly" AS h ("scope", "hour", "sessions", "uniqueDevices", "sessionSeconds", "peakConcurrent",
  "endedSessions", "endedSeconds", "clickThrough", "otp", "voucher", "mac")
SELECT d.scope, d.hour, COALESCE(a.sessions, 0), COALESCE(a.devices, 0), COALESCE(a.secs, 0), COALESCE(k.peak, 0),
  COALESCE(a.ended, 0), COALESCE(a.ended_secs, 0), COALESCE(a.ct, 0), COALESCE(a.otp, 0), COALESCE(a.voucher, 0), COALESCE(a.mac, 0)
FROM fold_dirty d LEFT JOIN agg a ON a.scope = d.scope AND a.hour = d.hour LEFT JOIN peak k ON k.scope = d.scope AND k.hour = d.hour
ORDER BY 1, 2
ON CONFLICT ("scope", "hour") DO UPDATE SET
  "sessions" = EXCLUDED."sessions", "uniqueDevices" = EXCLUDED."uniqueDevices", "sessionSeconds" = EXCLUDED."sessionSeconds",
  "peakConcurrent" = EXCLUDED."peakConcurrent", "endedSessions" = EXCLUDED."endedSessions", "endedSeconds" = EXCLUDED."endedSeconds",
  "clickThrough" = EXCLUDED."clickThrough", "otp" = EXCLUDED."otp", "voucher" = EXCLUDED."voucher", "mac" = EXCLUDED."mac"`

const DROP_DURATIONS = `DELETE FROM "StatsDuration" s USING fold_dirty d WHERE s.scope = d.scope AND s.hour = d.hour`

// Lengths by local day: the dirty hours' days, computed again from their hours.
const DIRTY_DAYS = `
CREATE TEMP TABLE fold_days ON COMMIT DROP AS
SELECT DISTINCT scope, ((hour AT TIME ZONE 'UTC') AT TIME ZONE $1)::date AS day FROM fold_dirty`

const DROP_DAILY_DURATIONS = `DELETE FROM "StatsDurationDaily" s USING fold_days d WHERE s.scope = d.scope AND s.day = d.day`

const ADD_DAILY_DURATIONS = `
INSERT INTO "StatsDurationDaily" ("scope", "day", "minute", "count")
SELECT d.scope, d.day, s."minute", sum(s."count")::int FROM fold_days d
JOIN "StatsDuration" s ON s.scope = d.scope
  AND s.hour >= ((d.day::timestamp AT TIME ZONE $1) AT TIME ZONE 'UTC') AND s.hour < (((d.day + 1)::timestamp AT TIME ZONE $1) AT TIME ZONE 'UTC')
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`

// Each device once per site (and for all sites) and local day, with when it
// was first online that day: what devices per period and first sightings are
// drawn from, so that the wider sets below start from a few rows per device
// instead of one per session-hour.
const DEVICE_DAYS = `
CREATE TEMP TABLE fold_dev ON COMMIT DROP AS
SELECT "siteId" AS scope, "deviceId", ((("startAt" AT TIME ZONE 'UTC') AT TIME ZONE $1)::date) AS day, min("startAt") AS first
FROM fold_new WHERE "deviceId" IS NOT NULL GROUP BY 1, 2, 3`

// Devices per local day, month and year, each counted once: the rows a
// device adds are what the counts grow by. A device already counted at a
// site on a day is left out first (one index probe, not six conflicting
// inserts): its day row was written with all the others (the day for all
// sites, the month and year for both), and they go only all together, with
// their device. Most changes are of devices already counted that day.
const DEVICE_PERIODS = `
WITH n AS (SELECT f.scope, f."deviceId", f.day FROM fold_dev f
  WHERE NOT EXISTS (SELECT 1 FROM "StatsDevicePeriod" p WHERE p.scope = f.scope AND p.period = 'd' AND p.start = f.day AND p."deviceId" = f."deviceId")),
a AS (SELECT DISTINCT 0 AS scope, "deviceId", day FROM n),
m AS (SELECT scope, "deviceId", date_trunc('month', day::timestamp)::date AS start FROM n
      UNION SELECT scope, "deviceId", date_trunc('month', day::timestamp)::date FROM a),
k AS (
  SELECT scope, 'd' AS period, day AS start, "deviceId" FROM n
  UNION ALL SELECT scope, 'd', day, "deviceId" FROM a
  UNION ALL SELECT scope, 'm', start, "deviceId" FROM m
  UNION ALL SELECT DISTINCT scope, 'y', date_trunc('year', start::timestamp)::date, "deviceId" FROM m),
ins AS (
  INSERT INTO "StatsDevicePeriod" ("scope", "period", "start", "deviceId") SELECT * FROM k ORDER BY 1, 2, 3, 4
  ON CONFLICT DO NOTHING RETURNING "scope", "period", "start")
INSERT INTO "StatsUnique" AS u ("scope", "period", "start", "devices")
SELECT "scope", "period", "start", count(*)::int FROM ins GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
ON CONFLICT ("scope", "period", "start") DO UPDATE SET "devices" = u."devices" + EXCLUDED."devices"`

// Only sightings earlier than the stored one (or the first) are written:
// a device seen again is one index probe, not a conflicting insert.
const FIRST_SEEN = `
INSERT INTO "StatsFirstSeen" AS f ("scope", "deviceId", "firstAt")
SELECT x.scope, x."deviceId", x.first FROM (
  SELECT scope, "deviceId", min(first) AS first FROM fold_dev GROUP BY 1, 2
  UNION ALL SELECT 0, "deviceId", min(first) FROM fold_dev GROUP BY 2) x
WHERE NOT EXISTS (SELECT 1 FROM "StatsFirstSeen" s WHERE s.scope = x.scope AND s."deviceId" = x."deviceId" AND s."firstAt" <= x.first)
ORDER BY 1, 2
ON CONFLICT ("scope", "deviceId") DO UPDATE SET "firstAt" = EXCLUDED."firstAt" WHERE EXCLUDED."firstAt" < f."firstAt"`

// Retention judges a device by when it was last online; once an hour is enough.
const TOUCH_DEVICES = `
UPDATE "Device" d SET "lastSeenAt" = now() AT TIME ZONE 'UTC'
FROM (SELECT DISTINCT "deviceId" FROM fold_dev) n
WHERE d.id = n."deviceId" AND d."lastSeenAt" < now() AT TIME ZONE 'UTC' - interval '1 hour'`

async function foldOnce(client: pg.ClientBase, timeZone: string, batch: number, horizon: string | null, steps?: Record<string, number>): Promise<FoldResult> {
  const q = async (name: string, sql: string, params?: unknown[]) => {
    const t = steps ? performance.now() : 0
    const r = await client.query(sql, params)
    if (steps) steps[name] = (steps[name] ?? 0) + performance.now() - t
    return r
  }
  await client.query('BEGIN')
  try {
    const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [FOLD_LOCK])
    if (!lock.rows[0]?.ok) {
      await client.query('ROLLBACK')
      return { changes: 0, parts: 0, hours: 0, ran: false }
    }
    // One fold at a time (the lock): its sorts and hashes may take memory
    // rather than spill a large batch to disk.
    await client.query(`SET LOCAL work_mem = '${batch >= 100_000 ? 256 : 64}MB'`)
    // Its commit need not wait for the disk: a crash loses such a fold whole,
    // and what it took is then still in StatsPending for the next one.
    await client.query(`SET LOCAL synchronous_commit = off`)
    await client.query(`CREATE TEMP TABLE fold_pending ("sessionId" bigint, "siteId" int, hour timestamp(3), i bigint, o bigint) ON COMMIT DROP`)
    const taken = (await q('TAKE', TAKE, [batch])).rowCount ?? 0
    if (!taken) {
      await client.query('COMMIT')
      return { changes: 0, parts: 0, hours: 0, ran: true }
    }
    // Temporary tables have no statistics until analysed: without them a
    // large batch is planned as if it were a few rows.
    const large = taken >= 5_000
    if (large) await q('ANALYZE', 'ANALYZE fold_pending')
    await q('OCTETS', OCTETS)
    const parts = (await q('NEW_PIECES', NEW_PIECES, [horizon])).rowCount ?? 0
    const hours = (await q('DIRTY', DIRTY, [horizon])).rowCount ?? 0
    await q('DIRTY_ALL', DIRTY_ALL)
    if (large) await q('ANALYZE', 'ANALYZE fold_new, fold_dirty')
    await q('DROP_PIECES', DROP_PIECES, [horizon])
    await q('ADD_PIECES', ADD_PIECES)
    await q('DROP_DURATIONS', DROP_DURATIONS)
    await q('HOURLY', HOURLY)
    await q('DIRTY_DAYS', DIRTY_DAYS, [timeZone])
    await q('DROP_DAILY_DURATIONS', DROP_DAILY_DURATIONS)
    await q('ADD_DAILY_DURATIONS', ADD_DAILY_DURATIONS, [timeZone])
    await q('DEVICE_DAYS', DEVICE_DAYS, [timeZone])
    await q('DEVICE_PERIODS', DEVICE_PERIODS)
    await q('FIRST_SEEN', FIRST_SEEN)
    await q('TOUCH_DEVICES', TOUCH_DEVICES)
    await client.query('COMMIT')
    return { changes: taken, parts, hours, ran: true }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  }
}

/** The most the service waits between folds (so the rollups lag about a minute at most). */
export const FOLD_MAX_WAIT_MS = 50_000
/** The fold may take about one part in this many of the time (one in twenty: the 5% issue #11 allows). */
const FOLD_SHARE = 20
/** Changes per transaction when the service folds: a fold of busy accounting in one transaction (one recomputation of each hour). */
export const SERVICE_FOLD_BATCH = 500_000

/**
 * When the service folds. The fold takes database CPU that accounting would
 * otherwise get, and much of its work is per fold, not per change: each
 * touched hour is computed again from all its parts, and a session or a
 * device changed several times is handled once. So a fold that took long
 * (accounting is busy) puts the next one off by twenty times as long, up to
 * FOLD_MAX_WAIT_MS, and the next one has more to do at once; a quick one
 * leaves the next to the following tick (every 10 s).
 */
export class FoldPacer {
  #next = -Infinity

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** Whether a fold should run now. */
  due(): boolean {
    return this.clock() >= this.#next
  }

  /** A fold that started at `startedAt` (this clock) took `ms`. */
  ran(startedAt: number, ms: number): void {
    this.#next = startedAt + Math.min(FOLD_MAX_WAIT_MS, FOLD_SHARE * ms)
  }
}

/** Folds what is pending, `batch` changes per transaction; returns what it did. */
export async function foldStats(pool: pg.Pool, timeZone: string, now: Date = new Date(), options: FoldOptions = {}): Promise<FoldResult> {
  const batch = options.batch ?? 20_000
  const horizonDate = options.horizon === undefined ? foldHorizon(now) : options.horizon
  const horizon = horizonDate ? utc(horizonDate) : null
  const total: FoldResult = { changes: 0, parts: 0, hours: 0, ran: true }
  const client = await pool.connect()
  try {
    for (let round = 0; round < (options.maxRounds ?? 50); round++) {
      const r = await foldOnce(client, timeZone, batch, horizon, options.steps)
      total.changes += r.changes
      total.parts += r.parts
      total.hours += r.hours
      if (!r.ran) return { ...total, ran: round > 0 }
      if (r.changes < batch) break
    }
    return total
  } finally {
    client.release()
  }
}
