// The fold: turns what accounting left in StatsPending into the statistics
// tables, every 10 s or, while accounting is busy, up to a minute apart
// (FoldPacer), in set-based statements (a handful per batch of
// up to `batch` changes, whatever their number). One copy folds at a time
// (an advisory lock): the others find it taken and go on.
//
// Each changed session is cut into its parts per clock hour (StatsPiece);
// the fold replaces a changed session's parts and adds to each hour's
// figures the difference between its new parts and its old ones. So a
// retransmitted, reordered or late record, a session closed by
// Accounting-On or as stale, or one reopened, leaves the same figures as if
// everything had come once and in order, and the work of a fold grows with
// what changed, not with how busy the hour already was:
// - counts and lengths: the new parts' sum minus the old parts';
// - distinct devices: how many parts each device has in the hour
//   (StatsHourDevice); a device counts while it has one;
// - the peak (the most parts open at one instant, exact, not sampled): where
//   parts only grew, open counts only rose, and only inside the span that
//   changed, so the new peak is the old one or the highest count in that
//   span, counted from the parts that overlap it (an index range on endAt);
//   an hour where a part shrank or went is counted again from all its parts.
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
  /** Hours changed, per site and for all sites. */
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

// The batch's sessions, once each, in id order: read from Session and
// StatsPiece by primary key (one index scan each). Joined to the batch, the
// planner hashed the whole of both tables, a cost that grows with them (at
// 2 M sessions of history, 42% of the fold; 0.5 s against 0.05 s for 20,000
// sessions).
const CHANGED = `CREATE TEMP TABLE fold_changed ON COMMIT DROP AS SELECT ARRAY(SELECT DISTINCT "sessionId" FROM fold_pending ORDER BY 1) AS ids`

// A session is online over [start, start + seconds]: a part per clock hour it
// touches. Its end belongs to the hour before when it falls on the hour.
const NEW_PIECES = `
CREATE TEMP TABLE fold_new ON COMMIT DROP AS
SELECT s.id AS "sessionId", g.hour::timestamp(3) AS hour, s."siteId", s."deviceId", s."method",
  GREATEST(s."startedAt", g.hour)::timestamp(3) AS "startAt", LEAST(x.e, g.hour + interval '1 hour')::timestamp(3) AS "endAt",
  g.hour = date_trunc('hour', s."startedAt") AS started,
  s."stoppedAt" IS NOT NULL AND g.hour = date_trunc('hour', x.last) AS ended,
  s."sessionSeconds" AS seconds
FROM "Session" s
CROSS JOIN LATERAL (SELECT s."startedAt" + make_interval(secs => s."sessionSeconds") AS e,
  GREATEST(s."startedAt", s."startedAt" + make_interval(secs => s."sessionSeconds") - interval '1 millisecond') AS last) x
CROSS JOIN LATERAL generate_series(date_trunc('hour', s."startedAt"), date_trunc('hour', x.last), interval '1 hour') AS g(hour)
WHERE s.id = ANY ((SELECT ids FROM fold_changed)::bigint[])
  AND ($1::timestamp IS NULL OR g.hour >= $1::timestamp)`

// The changed sessions' parts as they were, taken out to be replaced.
const OLD_TABLE = `CREATE TEMP TABLE fold_old (LIKE "StatsPiece") ON COMMIT DROP`

const OLD_PIECES = `
WITH d AS (DELETE FROM "StatsPiece" p
  WHERE p."sessionId" = ANY ((SELECT ids FROM fold_changed)::bigint[]) AND ($1::timestamp IS NULL OR p.hour >= $1::timestamp) RETURNING p.*)
INSERT INTO fold_old SELECT * FROM d`

const ADD_PIECES = `
INSERT INTO "StatsPiece" ("sessionId", "hour", "siteId", "deviceId", "method", "startAt", "endAt", "started", "ended", "seconds")
SELECT "sessionId", hour, "siteId", "deviceId", "method", "startAt", "endAt", started, ended, seconds FROM fold_new ORDER BY 1, 2`

// New parts counted +1, old ones -1. A part's connected seconds are its
// rounded end minus its rounded start, so that a session's parts add up to
// its whole seconds. Per site only: every difference for all sites (scope
// 0) is the sum of the sites' differences, taken from their aggregates.
const DIFF = `
CREATE TEMP TABLE fold_diff ON COMMIT DROP AS
SELECT x.*, (round(extract(epoch FROM x."endAt")) - round(extract(epoch FROM x."startAt")))::bigint AS secs
FROM (SELECT 1 AS sign, "sessionId", hour, "siteId", "deviceId", "method", "startAt", "endAt", started, ended, seconds FROM fold_new
      UNION ALL SELECT -1, "sessionId", hour, "siteId", "deviceId", "method", "startAt", "endAt", started, ended, seconds FROM fold_old) x`

// Every figure but the peak, by difference; a device enters an hour's count
// when its parts there go from none to some, and leaves it the other way.
const SUMS = `
WITH ks AS (SELECT "siteId" AS scope, hour, "deviceId", sum(sign)::int AS n FROM fold_diff WHERE "deviceId" IS NOT NULL GROUP BY 1, 2, 3),
k AS (SELECT * FROM ks WHERE n <> 0 UNION ALL SELECT 0, hour, "deviceId", sum(n)::int FROM ks GROUP BY 2, 3 HAVING sum(n) <> 0),
u AS (
  INSERT INTO "StatsHourDevice" AS x ("scope", "hour", "deviceId", "parts") SELECT scope, hour, "deviceId", n FROM k ORDER BY 1, 2, 3
  ON CONFLICT ("scope", "hour", "deviceId") DO UPDATE SET "parts" = x."parts" + EXCLUDED."parts"
  RETURNING x."scope", x."hour", x."deviceId", x."parts"),
dev AS (
  SELECT u.scope, u.hour, (count(*) FILTER (WHERE u.parts > 0 AND u.parts - k.n <= 0) - count(*) FILTER (WHERE u.parts <= 0 AND u.parts - k.n > 0))::int AS d
  FROM u JOIN k ON k.scope = u.scope AND k.hour = u.hour AND k."deviceId" = u."deviceId" GROUP BY 1, 2),
ss AS (
  SELECT "siteId" AS scope, hour, sum(sign * started::int)::int AS sessions, sum(sign * secs)::bigint AS secs,
    sum(sign * ended::int)::int AS ended, COALESCE(sum(sign * seconds) FILTER (WHERE ended), 0)::bigint AS ended_secs,
    COALESCE(sum(sign) FILTER (WHERE started AND method = 'click_through'), 0)::int AS ct,
    COALESCE(sum(sign) FILTER (WHERE started AND method = 'otp'), 0)::int AS otp,
    COALESCE(sum(sign) FILTER (WHERE started AND method = 'voucher'), 0)::int AS voucher,
    COALESCE(sum(sign) FILTER (WHERE started AND method = 'mac'), 0)::int AS mac
  FROM fold_diff GROUP BY 1, 2),
s AS (
  SELECT * FROM ss UNION ALL
  SELECT 0, hour, sum(sessions)::int, sum(secs)::bigint, sum(ended)::int, sum(ended_secs)::bigint, sum(ct)::int, sum(otp)::int, sum(voucher)::int, sum(mac)::int
  FROM ss GROUP BY 2)
INSERT INTO "StatsHourly" AS h ("scope", "hour", "sessions", "uniqueDevices", "sessionSeconds",
  "endedSessions", "endedSeconds", "clickThrough", "otp", "voucher", "mac")
SELECT s.scope, s.hour, s.sessions, COALESCE(dev.d, 0), s.secs, s.ended, s.ended_secs, s.ct, s.otp, s.voucher, s.mac
FROM s LEFT JOIN dev ON dev.scope = s.scope AND dev.hour = s.hour
ORDER BY 1, 2
ON CONFLICT ("scope", "hour") DO UPDATE SET
  "sessions" = h."sessions" + EXCLUDED."sessions", "uniqueDevices" = h."uniqueDevices" + EXCLUDED."uniqueDevices",
  "sessionSeconds" = h."sessionSeconds" + EXCLUDED."sessionSeconds", "endedSessions" = h."endedSessions" + EXCLUDED."endedSessions",
  "endedSeconds" = h."endedSeconds" + EXCLUDED."endedSeconds", "clickThrough" = h."clickThrough" + EXCLUDED."clickThrough",
  "otp" = h."otp" + EXCLUDED."otp", "voucher" = h."voucher" + EXCLUDED."voucher", "mac" = h."mac" + EXCLUDED."mac"`

const DROP_DEVICES = `
DELETE FROM "StatsHourDevice" x USING (
  SELECT DISTINCT "siteId" AS scope, hour, "deviceId" FROM fold_diff WHERE sign < 0 AND "deviceId" IS NOT NULL
  UNION SELECT 0, hour, "deviceId" FROM fold_diff WHERE sign < 0 AND "deviceId" IS NOT NULL) k
WHERE x.scope = k.scope AND x.hour = k.hour AND x."deviceId" = k."deviceId" AND x.parts <= 0`

// Lengths of ended sessions by whole minute, per hour and per local day.
const DURATIONS = `
WITH ks AS (SELECT "siteId" AS scope, hour, seconds / 60 AS minute, sum(sign)::int AS n FROM fold_diff WHERE ended GROUP BY 1, 2, 3),
k AS (SELECT * FROM ks WHERE n <> 0 UNION ALL SELECT 0, hour, minute, sum(n)::int FROM ks GROUP BY 2, 3 HAVING sum(n) <> 0),
hourly AS (
  INSERT INTO "StatsDuration" AS x ("scope", "hour", "minute", "count") SELECT * FROM k ORDER BY 1, 2, 3
  ON CONFLICT ("scope", "hour", "minute") DO UPDATE SET "count" = x."count" + EXCLUDED."count")
INSERT INTO "StatsDurationDaily" AS x ("scope", "day", "minute", "count")
SELECT scope, ((hour AT TIME ZONE 'UTC') AT TIME ZONE $1)::date, minute, sum(n)::int FROM k GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
ON CONFLICT ("scope", "day", "minute") DO UPDATE SET "count" = x."count" + EXCLUDED."count"`

const DROP_DURATIONS = `
WITH k AS (SELECT DISTINCT "siteId" AS scope, hour FROM fold_diff WHERE ended AND sign < 0 UNION SELECT 0, hour FROM fold_diff WHERE ended AND sign < 0),
hourly AS (DELETE FROM "StatsDuration" x USING k WHERE x.scope = k.scope AND x.hour = k.hour AND x."count" <= 0)
DELETE FROM "StatsDurationDaily" x USING (SELECT DISTINCT scope, ((hour AT TIME ZONE 'UTC') AT TIME ZONE $1)::date AS day FROM k) d
WHERE x.scope = d.scope AND x.day = d.day AND x."count" <= 0`

// Per changed scope-hour: whether a part shrank or went (then the whole hour
// is counted again), else the span [a, b] where open counts rose: a new
// part's whole span, or what a part grew by at either end. For all sites:
// the union of the sites' (a session that changed site shows as a part gone
// at one and new at the other, so its hour is counted again: never wrong).
const SPANS = `
CREATE TEMP TABLE fold_span ON COMMIT DROP AS
WITH site AS (
  SELECT COALESCE(n."siteId", o."siteId") AS scope, COALESCE(n.hour, o.hour) AS hour,
    bool_or(n."sessionId" IS NULL OR (o."sessionId" IS NOT NULL AND (n."startAt" > o."startAt" OR n."endAt" < o."endAt"))) AS whole,
    min(CASE WHEN o."sessionId" IS NULL OR n."startAt" < o."startAt" THEN n."startAt" ELSE o."endAt" END) AS a,
    max(n."endAt") AS b
  FROM (SELECT * FROM fold_diff WHERE sign > 0) n
  FULL JOIN (SELECT * FROM fold_diff WHERE sign < 0) o ON o."siteId" = n."siteId" AND o.hour = n.hour AND o."sessionId" = n."sessionId"
  GROUP BY 1, 2)
SELECT scope, hour, whole, a, b, NULL::int AS single FROM site
UNION ALL SELECT 0, hour, bool_or(whole), min(a), max(b), NULL FROM site GROUP BY 2`

// An hour whose parts are all at one site has that site's peak for all
// sites too: found by the lowest and the highest site of the hour's parts
// (two index probes), it is not counted twice.
const SINGLE_SITE = `
UPDATE fold_span f SET single = (
  SELECT CASE WHEN lo = hi THEN lo END FROM (
    SELECT (SELECT "siteId" FROM "StatsPiece" WHERE hour = f.hour ORDER BY "siteId" LIMIT 1) AS lo,
      (SELECT "siteId" FROM "StatsPiece" WHERE hour = f.hour ORDER BY "siteId" DESC LIMIT 1) AS hi) x)
WHERE f.scope = 0`

// The parts a span's count needs, in four index-friendly branches (a site or
// all sites; a span or the whole hour). A part begun before the span counts
// from its start: open counts inside it are the same.
const PEAKS = `
WITH o AS MATERIALIZED (
  SELECT f.scope, f.hour, GREATEST(p."startAt", f.a) AS s, p."endAt" AS e
  FROM fold_span f JOIN "StatsPiece" p ON p.hour = f.hour AND p."siteId" = f.scope AND p."endAt" >= f.a AND p."startAt" <= f.b
  WHERE NOT f.whole AND f.scope <> 0
  UNION ALL SELECT f.scope, f.hour, GREATEST(p."startAt", f.a), p."endAt"
  FROM fold_span f JOIN "StatsPiece" p ON p.hour = f.hour AND p."endAt" >= f.a AND p."startAt" <= f.b
  WHERE NOT f.whole AND f.scope = 0 AND f.single IS NULL
  UNION ALL SELECT f.scope, f.hour, p."startAt", p."endAt"
  FROM fold_span f JOIN "StatsPiece" p ON p.hour = f.hour AND p."siteId" = f.scope WHERE f.whole AND f.scope <> 0
  UNION ALL SELECT f.scope, f.hour, p."startAt", p."endAt"
  FROM fold_span f JOIN "StatsPiece" p ON p.hour = f.hour WHERE f.whole AND f.scope = 0 AND f.single IS NULL),
ev AS (SELECT scope, hour, s AS t, 1 AS delta FROM o UNION ALL SELECT scope, hour, e, -1 FROM o),
run AS (SELECT scope, hour, sum(delta) OVER (PARTITION BY scope, hour ORDER BY t, delta DESC ROWS UNBOUNDED PRECEDING) AS open FROM ev),
pk AS (SELECT scope, hour, max(open)::int AS peak FROM run GROUP BY 1, 2)
UPDATE "StatsHourly" h
SET "peakConcurrent" = CASE WHEN f.whole THEN COALESCE(pk.peak, 0) ELSE GREATEST(h."peakConcurrent", COALESCE(pk.peak, 0)) END
FROM fold_span f LEFT JOIN pk ON pk.scope = f.scope AND pk.hour = f.hour
WHERE h.scope = f.scope AND h.hour = f.hour AND f.single IS NULL`

// After PEAKS: the site's peak is current.
const SINGLE_SITE_PEAKS = `
UPDATE "StatsHourly" h SET "peakConcurrent" = s."peakConcurrent"
FROM fold_span f JOIN "StatsHourly" s ON s.scope = f.single AND s.hour = f.hour
WHERE f.single IS NOT NULL AND h.scope = 0 AND h.hour = f.hour`

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
    // The temporary tables' ANALYZE needs row counts and rough spreads, not
    // fine histograms: a tenth of the default sample.
    await client.query(`SET LOCAL default_statistics_target = 10`)
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
    await q('CHANGED', CHANGED)
    const parts = (await q('NEW_PIECES', NEW_PIECES, [horizon])).rowCount ?? 0
    await client.query(OLD_TABLE)
    await q('OLD_PIECES', OLD_PIECES, [horizon])
    await q('ADD_PIECES', ADD_PIECES)
    await q('DIFF', DIFF)
    if (large) await q('ANALYZE', 'ANALYZE fold_new, fold_diff')
    await q('SUMS', SUMS)
    await q('DROP_DEVICES', DROP_DEVICES)
    await q('DURATIONS', DURATIONS, [timeZone])
    await q('DROP_DURATIONS', DROP_DURATIONS, [timeZone])
    const hours = (await q('SPANS', SPANS)).rowCount ?? 0
    await q('SINGLE_SITE', SINGLE_SITE)
    // A handful of rows, but without statistics the planner takes it for
    // thousands and reads whole hours instead of probing the endAt index.
    await q('ANALYZE', 'ANALYZE fold_span')
    await q('PEAKS', PEAKS)
    await q('SINGLE_SITE_PEAKS', SINGLE_SITE_PEAKS)
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

/**
 * The most the service waits between folds (so the rollups lag about two and
 * a half minutes at most). Part of a fold's work grows with how many sessions
 * are open, not with how many changed (the peaks' sweep): the longer the
 * wait, the less of it per change. At 50 s it was a fifth of the fold under
 * the accounting benchmark's load.
 */
export const FOLD_MAX_WAIT_MS = 120_000
/** The fold may take about one part in this many of the time (one in twenty: the 5% issue #11 allows). */
const FOLD_SHARE = 20
/** Changes per transaction when the service folds: a fold of busy accounting in one transaction (a session changed several times is handled once). */
export const SERVICE_FOLD_BATCH = 500_000

/**
 * When the service folds. The fold takes database CPU that accounting would
 * otherwise get, and some of its work is per fold, not per change: a session
 * or a device changed several times is handled once, and a statement's own
 * cost is paid once for all. So a fold that took long
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
