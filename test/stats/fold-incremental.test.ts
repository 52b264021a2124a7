// The fold keeps each hour's figures by difference (core/stats/fold.ts).
// Here sessions change in every way accounting can change them — new, grown,
// stopped, reopened, shortened, started earlier or later, across hours, at
// two sites, sharing devices — and after every fold each hour's figures must
// equal what counting all of that hour's parts from scratch gives. The
// parts themselves are cut by the same code as before; what is under test is
// that the differences add up to the whole, the peak above all.
import t from 'tap'
import { addNas } from '../../core/services/nas.js'
import { addSite } from '../../core/services/sites.js'
import { foldStats } from '../../core/stats/fold.js'
import { testContext } from '../helpers/app.js'
import { dbKinds } from '../helpers/databases.js'

const TZ = 'Asia/Ho_Chi_Minh'
const T0 = Date.parse('2026-03-10T01:00:00Z')
const HOUR = 3_600_000

// The hours' figures counted from all their parts, as the fold did before it
// kept them by difference.
const FROM_SCRATCH = `
WITH p AS (SELECT "siteId" AS scope, * FROM "StatsPiece" UNION ALL SELECT 0, * FROM "StatsPiece"),
agg AS (
  SELECT scope, hour, count(*) FILTER (WHERE started)::int AS sessions, count(DISTINCT "deviceId")::int AS devices,
    sum(round(extract(epoch FROM "endAt")) - round(extract(epoch FROM "startAt")))::bigint AS secs,
    count(*) FILTER (WHERE ended)::int AS ended, COALESCE(sum(seconds) FILTER (WHERE ended), 0)::bigint AS ended_secs,
    count(*) FILTER (WHERE started AND method = 'voucher')::int AS voucher,
    count(*) FILTER (WHERE started AND method = 'mac')::int AS mac
  FROM p GROUP BY 1, 2),
ev AS (SELECT scope, hour, "startAt" AS t, 1 AS delta FROM p UNION ALL SELECT scope, hour, "endAt", -1 FROM p),
run AS (SELECT scope, hour, sum(delta) OVER (PARTITION BY scope, hour ORDER BY t, delta DESC ROWS UNBOUNDED PRECEDING) AS open FROM ev),
peak AS (SELECT scope, hour, max(open)::int AS peak FROM run GROUP BY 1, 2)
SELECT a.scope, a.hour, a.sessions, a.devices, a.secs::text, a.ended, a.ended_secs::text, a.voucher, a.mac, k.peak
FROM agg a JOIN peak k USING (scope, hour) ORDER BY 1, 2`

const KEPT = `
SELECT scope, hour, sessions, "uniqueDevices" AS devices, "sessionSeconds"::text AS secs, "endedSessions" AS ended,
  "endedSeconds"::text AS ended_secs, voucher, mac, "peakConcurrent" AS peak
FROM "StatsHourly" WHERE sessions <> 0 OR "uniqueDevices" <> 0 OR "sessionSeconds" <> 0 OR "peakConcurrent" <> 0 OR "endedSessions" <> 0
ORDER BY 1, 2`

const DURATIONS_FROM_SCRATCH = `
SELECT scope, hour, seconds / 60 AS minute, count(*)::int AS n
FROM (SELECT "siteId" AS scope, * FROM "StatsPiece" UNION ALL SELECT 0, * FROM "StatsPiece") p WHERE ended GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`
const DURATIONS_KEPT = `SELECT scope, hour, minute, "count" AS n FROM "StatsDuration" ORDER BY 1, 2, 3`
const DAILY_FROM_SCRATCH = `
SELECT scope, ((hour AT TIME ZONE 'UTC') AT TIME ZONE '${TZ}')::date::text AS day, minute, sum("count")::int AS n
FROM "StatsDuration" GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`
const DAILY_KEPT = `SELECT scope, day::text, minute, "count" AS n FROM "StatsDurationDaily" ORDER BY 1, 2, 3`

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

interface Sess {
  id: bigint
  siteId: number
  start: number
  seconds: number
  stopped: boolean
}

for (const kind of dbKinds()) {
  t.test(`hourly figures kept by difference equal the figures counted from scratch on ${kind}`, async (t) => {
    const { ctx } = await testContext(t, kind, { CITYWIFI_TIMEZONE: TZ })
    const prisma = ctx.db.prisma
    const pool = ctx.db.pool
    const sites = [await addSite(prisma, { name: 'A' }, 'test'), await addSite(prisma, { name: 'B' }, 'test')]
    const nas = []
    for (const [i, site] of sites.entries()) {
      await addNas(prisma, ctx.secrets, { site: site.name, name: `nas-${i}`, address: `127.0.0.${i + 1}`, secret: 'testing-secret-123456', vendor: 'coovachilli' }, 'test')
      nas.push((await prisma.accessPoint.findFirstOrThrow({ where: { name: `nas-${i}` } })).id)
    }
    const devices: number[] = []
    for (let i = 0; i < 6; i++) devices.push((await prisma.device.create({ data: { mac: `02-00-00-00-01-0${i}` } })).id)

    const rnd = random(20261130)
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!
    const sessions: Sess[] = []
    const iso = (ms: number) => new Date(ms).toISOString()
    const write = async (s: Sess) => {
      await pool.query(
        `UPDATE "Session" SET "startedAt" = $2, "sessionSeconds" = $3, "stoppedAt" = $4, "updatedAt" = $5 WHERE id = $1`,
        [s.id.toString(), iso(s.start), s.seconds, s.stopped ? iso(s.start + s.seconds * 1000) : null, iso(s.start + s.seconds * 1000)],
      )
      await pool.query(`INSERT INTO "StatsPending" ("sessionId", "siteId", "hour") VALUES ($1, $2, date_trunc('hour', $3::timestamp))`, [s.id.toString(), s.siteId, iso(s.start)])
    }

    const kinds = { new: 0, grow: 0, stop: 0, reopen: 0, shorten: 0, earlier: 0, later: 0 }
    let folds = 0
    for (let step = 0; step < 240; step++) {
      const r = rnd()
      const open = sessions.filter((s) => !s.stopped)
      if (r < 0.3 || sessions.length < 4) {
        // Starts with milliseconds, some on the hour, within five hours; the
        // last of them at one site only (all sites' peak is then the site's).
        const start = rnd() < 0.1 ? T0 + Math.floor(rnd() * 5) * HOUR : T0 + Math.floor(rnd() * 5 * HOUR)
        const site = start >= T0 + 4 * HOUR ? 0 : Math.floor(rnd() * 2)
        const { rows } = await pool.query<{ id: string }>(
          `INSERT INTO "Session" ("nasId", "siteId", "acctSessionId", "username", "method", "deviceId", "startedAt", "updatedAt")
           VALUES ($1, $2, $3, 'u', $4, $5, $6, $6) RETURNING id::text`,
          [nas[site], sites[site]!.id, `s${step}`, rnd() < 0.5 ? 'voucher' : 'mac', rnd() < 0.1 ? null : pick(devices), iso(start)],
        )
        const s: Sess = { id: BigInt(rows[0]!.id), siteId: sites[site]!.id, start, seconds: 0, stopped: false }
        sessions.push(s)
        await write(s)
        kinds.new++
      } else if (r < 0.6 && open.length) {
        const s = pick(open)
        s.seconds += Math.floor(rnd() * 5_400)
        await write(s)
        kinds.grow++
      } else if (r < 0.72 && open.length) {
        const s = pick(open)
        s.seconds += Math.floor(rnd() * 600)
        s.stopped = true
        await write(s)
        kinds.stop++
      } else if (r < 0.8) {
        const s = pick(sessions)
        if (s.stopped) {
          s.stopped = false
          kinds.reopen++
        } else {
          s.seconds = Math.floor(s.seconds * rnd())
          kinds.shorten++
        }
        await write(s)
      } else if (r < 0.9) {
        const s = pick(sessions)
        const by = Math.floor(rnd() * 3_000)
        s.start -= by * 1000
        s.seconds += by
        await write(s)
        kinds.earlier++
      } else {
        const s = pick(sessions)
        const by = Math.min(s.seconds, Math.floor(rnd() * 3_000))
        s.start += by * 1000
        s.seconds -= by
        await write(s)
        kinds.later++
      }
      if (rnd() < 0.25) {
        await foldStats(pool, TZ, new Date(T0), { horizon: null })
        folds++
        const [scratch, kept] = await Promise.all([pool.query(FROM_SCRATCH), pool.query(KEPT)])
        if (!t.same(kept.rows, scratch.rows, `step ${step}: every hour's figures`)) break
      }
    }
    await foldStats(pool, TZ, new Date(T0), { horizon: null })
    t.same((await pool.query(KEPT)).rows, (await pool.query(FROM_SCRATCH)).rows, 'at the end: every hour, every site and all sites')
    t.same((await pool.query(DURATIONS_KEPT)).rows, (await pool.query(DURATIONS_FROM_SCRATCH)).rows, 'minute lengths per hour')
    t.same((await pool.query(DAILY_KEPT)).rows, (await pool.query(DAILY_FROM_SCRATCH)).rows, 'minute lengths per day')
    const zero = await pool.query(`SELECT count(*)::int AS n FROM "StatsHourDevice" WHERE parts <= 0`)
    t.equal(zero.rows[0].n, 0, 'no device row left at zero parts')
    t.ok(folds >= 30, `folded ${folds} times`)
    for (const [k, n] of Object.entries(kinds)) t.ok(n > 0, `changes of kind ${k}: ${n}`)
    const single = await pool.query(`SELECT count(*)::int AS n FROM (SELECT hour FROM "StatsPiece" GROUP BY hour HAVING count(DISTINCT "siteId") = 1 AND count(*) > 3) x`)
    t.ok(single.rows[0].n >= 1, `hours with parts at one site only: ${single.rows[0].n}`)
    // The test is only worth something if hours really held several parts at once.
    const peaks = await pool.query(`SELECT max("peakConcurrent")::int AS m FROM "StatsHourly" WHERE scope = 0`)
    t.ok(peaks.rows[0].m >= 5, `a peak of ${peaks.rows[0].m} at one instant`)
  })
}
