// The statistics officials read (issue #11): the figures of one site or all
// sites over a period cut into local hours, days or months, the dashboard,
// and the weekday × hour heat map. Pages, the API and the PDF all read
// through this module; what each figure means is in docs/data.md.
import type { PrismaClient } from '../db/generated/client.js'
import { buckets, dateString, isoLocal, localDay, nextDate, startOfLocalDay, type Bucket, type Interval } from './calendar.js'

export type { Interval }

export interface LoginMethods {
  click_through: number
  otp: number
  voucher: number
  mac: number
}

export interface Figures {
  sessions: number
  uniqueDevices: number
  newDevices: number
  inputOctets: number
  outputOctets: number
  sessionSeconds: number
  peakConcurrent: number
  medianSessionSeconds: number | null
  averageSessionSeconds: number | null
  loginMethods: LoginMethods
  /** Access-Rejects by reason. */
  rejects: Record<string, number>
  /** Clicks by splash-page link key. */
  linkClicks: Record<string, number>
}

/** Dates YYYY-MM-DD, inclusive, local time; siteId null for all sites. */
export interface UsageQuery {
  siteId: number | null
  from: string
  to: string
  interval: Interval
}

export interface UsageReport {
  site: { id: number; name: string } | null
  from: string
  to: string
  interval: Interval
  timeZone: string
  totals: Figures
  /** `start`: ISO 8601 with the local offset. */
  series: Array<{ start: string } & Figures>
}

export interface Dashboard {
  onlineNow: number
  /** Today from local midnight until now. */
  today: Figures
  /** The same weekday a week ago, from midnight until the same time of day. */
  sameWeekdayLastWeek: Figures
  last30Days: UsageReport
}

export interface HeatmapCell {
  /** 0 = Monday … 6 = Sunday, local time. */
  weekday: number
  /** 0–23, local time. */
  hour: number
  /** Sessions started in those hours over the period. */
  sessions: number
  /** People online on average in those hours: connected seconds / (3600 × how many such hours). */
  online: number
}

export interface Heatmap {
  cells: HeatmapCell[]
}

export class StatsQueryError extends Error {
  override name = 'StatsQueryError'
}

export const emptyFigures = (): Figures => ({
  sessions: 0,
  uniqueDevices: 0,
  newDevices: 0,
  inputOctets: 0,
  outputOctets: 0,
  sessionSeconds: 0,
  peakConcurrent: 0,
  medianSessionSeconds: null,
  averageSessionSeconds: null,
  loginMethods: { click_through: 0, otp: 0, voucher: 0, mac: 0 },
  rejects: {},
  linkClicks: {},
})

interface SessionSpan {
  deviceId: number | null
  method: keyof LoginMethods | null
  /** ms since the epoch */
  start: number
  /** start + the connected seconds reported */
  end: number
  stoppedAt: number | null
  seconds: number
}

interface HourCount {
  hour: number
  key: string
  n: number
}

interface HourOctets {
  hour: number
  i: number
  o: number
}

interface Source {
  spans: SessionSpan[]
  firstSeen: Map<number, number>
  octets: HourOctets[]
  rejects: HourCount[]
  clicks: HourCount[]
}

// Sessions that touch the period: started in it, connected in it, or ended in it.
async function load(db: PrismaClient, siteId: number | null, from: Date, to: Date): Promise<Source> {
  const site = siteId ?? -1
  const rows = await db.$queryRaw<{ deviceId: number | null; method: string | null; startedAt: Date; sessionSeconds: number; stoppedAt: Date | null }[]>`
    SELECT "deviceId", "method"::text AS method, "startedAt", "sessionSeconds", "stoppedAt" FROM "Session"
    WHERE (${site}::int < 0 OR "siteId" = ${site}::int) AND "startedAt" < ${to}::timestamp
      AND ("startedAt" + make_interval(secs => "sessionSeconds") >= ${from}::timestamp OR "stoppedAt" >= ${from}::timestamp)`
  const spans = rows.map((r) => ({
    deviceId: r.deviceId,
    method: r.method as keyof LoginMethods | null,
    start: r.startedAt.getTime(),
    end: r.startedAt.getTime() + r.sessionSeconds * 1000,
    stoppedAt: r.stoppedAt?.getTime() ?? null,
    seconds: r.sessionSeconds,
  }))
  const devices = [...new Set(spans.map((s) => s.deviceId).filter((d): d is number => d !== null))]
  const first = devices.length
    ? await db.$queryRaw<{ deviceId: number; first: Date }[]>`
        SELECT "deviceId", min("startedAt") AS first FROM "Session"
        WHERE "deviceId" = ANY(${devices}::int[]) AND (${site}::int < 0 OR "siteId" = ${site}::int) GROUP BY 1`
    : []
  const octets = await db.$queryRaw<{ hour: Date; i: string; o: string }[]>`
    SELECT "hour", sum("inputOctets")::text AS i, sum("outputOctets")::text AS o FROM "UsageHourly"
    WHERE (${site}::int < 0 OR "siteId" = ${site}::int) AND "hour" >= ${from}::timestamp AND "hour" < ${to}::timestamp GROUP BY 1`
  const rejects = await db.$queryRaw<{ hour: Date; key: string; n: number }[]>`
    SELECT "hour", "reason" AS key, sum("count")::int AS n FROM "AuthHourly"
    WHERE "result" = 'reject' AND (${site}::int < 0 OR "siteId" = ${site}::int) AND "hour" >= ${from}::timestamp AND "hour" < ${to}::timestamp GROUP BY 1, 2`
  const clicks = await db.$queryRaw<{ hour: Date; key: string; n: number }[]>`
    SELECT "hour", "linkKey" AS key, sum("count")::int AS n FROM "LinkClickHourly"
    WHERE (${site}::int < 0 OR "siteId" = ${site}::int) AND "hour" >= ${from}::timestamp AND "hour" < ${to}::timestamp GROUP BY 1, 2`
  return {
    spans,
    firstSeen: new Map(first.map((f) => [f.deviceId, f.first.getTime()])),
    octets: octets.map((r) => ({ hour: r.hour.getTime(), i: Number(r.i), o: Number(r.o) })),
    rejects: rejects.map((r) => ({ hour: r.hour.getTime(), key: r.key, n: r.n })),
    clicks: clicks.map((r) => ({ hour: r.hour.getTime(), key: r.key, n: r.n })),
  }
}

export function median(sorted: number[]): number | null {
  if (!sorted.length) return null
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

// A session is connected over the closed span [start, start + seconds]: it is
// online in every bucket that span touches.
function figuresOf(src: Source, a: number, b: number): Figures {
  const f = emptyFigures()
  const devices = new Set<number>()
  const ended: number[] = []
  const events: [number, number][] = []
  let openAtStart = 0
  let ms = 0
  for (const s of src.spans) {
    if (s.start >= a && s.start < b) {
      f.sessions++
      if (s.method) f.loginMethods[s.method]++
    }
    if (s.stoppedAt !== null && s.stoppedAt >= a && s.stoppedAt < b) ended.push(s.seconds)
    if (s.start < b && s.end >= a) {
      if (s.deviceId !== null) devices.add(s.deviceId)
      ms += Math.max(0, Math.min(s.end, b) - Math.max(s.start, a))
      if (s.start <= a) openAtStart++
      else events.push([s.start, 1])
      if (s.end < b) events.push([s.end, -1])
    }
  }
  // Starts before ends at one instant: spans are closed.
  events.sort((x, y) => x[0] - y[0] || y[1] - x[1])
  let open = openAtStart
  let peak = open
  for (const [, d] of events) {
    open += d
    if (open > peak) peak = open
  }
  f.peakConcurrent = peak
  f.uniqueDevices = devices.size
  for (const d of devices) if ((src.firstSeen.get(d) ?? 0) >= a) f.newDevices++
  f.sessionSeconds = Math.round(ms / 1000)
  ended.sort((x, y) => x - y)
  f.medianSessionSeconds = median(ended)
  f.averageSessionSeconds = ended.length ? ended.reduce((n, x) => n + x, 0) / ended.length : null
  for (const o of src.octets) {
    if (o.hour >= a && o.hour < b) {
      f.inputOctets += o.i
      f.outputOctets += o.o
    }
  }
  for (const r of src.rejects) if (r.hour >= a && r.hour < b) f.rejects[r.key] = (f.rejects[r.key] ?? 0) + r.n
  for (const c of src.clicks) if (c.hour >= a && c.hour < b) f.linkClicks[c.key] = (f.linkClicks[c.key] ?? 0) + c.n
  return f
}

async function siteOf(db: PrismaClient, siteId: number | null): Promise<{ id: number; name: string } | null> {
  if (siteId === null) return null
  const site = await db.site.findUnique({ where: { id: siteId }, select: { id: true, name: true } })
  if (!site) throw new StatsQueryError(`no site ${siteId}`)
  return site
}

export async function usageReport(db: PrismaClient, q: UsageQuery, timeZone: string): Promise<UsageReport> {
  if (q.to < q.from) throw new StatsQueryError('`to` is before `from`')
  const site = await siteOf(db, q.siteId)
  const list: Bucket[] = buckets(q.from, q.to, q.interval, timeZone)
  const start = startOfLocalDay(q.from, timeZone)
  const end = startOfLocalDay(nextDate(q.to), timeZone)
  const src = await load(db, q.siteId, start, end)
  return {
    site,
    from: q.from,
    to: q.to,
    interval: q.interval,
    timeZone,
    totals: figuresOf(src, start.getTime(), end.getTime()),
    series: list.map((bk) => ({ start: isoLocal(bk.start, timeZone), ...figuresOf(src, bk.start.getTime(), bk.end.getTime()) })),
  }
}

export async function dashboard(db: PrismaClient, timeZone: string, now: Date = new Date()): Promise<Dashboard> {
  const today = dateString(localDay(now, timeZone))
  const midnight = startOfLocalDay(today, timeZone)
  const weekAgo = startOfLocalDay(nextDate(today, -7), timeZone)
  const sinceMidnight = now.getTime() - midnight.getTime()
  const [onlineNow, src, last30Days] = await Promise.all([
    db.session.count({ where: { stoppedAt: null } }),
    load(db, null, weekAgo, now),
    usageReport(db, { siteId: null, from: nextDate(today, -29), to: today, interval: 'day' }, timeZone),
  ])
  return {
    onlineNow,
    today: figuresOf(src, midnight.getTime(), now.getTime()),
    sameWeekdayLastWeek: figuresOf(src, weekAgo.getTime(), weekAgo.getTime() + sinceMidnight),
    last30Days,
  }
}

export async function heatmap(db: PrismaClient, q: Omit<UsageQuery, 'interval'>, timeZone: string): Promise<Heatmap> {
  const report = await usageReport(db, { ...q, interval: 'hour' }, timeZone)
  const cells: HeatmapCell[] = []
  for (let weekday = 0; weekday < 7; weekday++) for (let hour = 0; hour < 24; hour++) cells.push({ weekday, hour, sessions: 0, online: 0 })
  const hours = new Array<number>(cells.length).fill(0)
  for (const s of report.series) {
    // The local wall clock is written in `start` itself.
    const wall = new Date(`${s.start.slice(0, 19)}Z`)
    const i = ((wall.getUTCDay() + 6) % 7) * 24 + wall.getUTCHours()
    cells[i]!.sessions += s.sessions
    cells[i]!.online += s.sessionSeconds
    hours[i]!++
  }
  for (let i = 0; i < cells.length; i++) cells[i]!.online = hours[i] ? Math.round((cells[i]!.online / 3600 / hours[i]!) * 10) / 10 : 0
  return { cells }
}
