// The statistics officials read (issue #11): the figures of one site or all
// sites over a period cut into local hours, days or months, the dashboard,
// and the weekday × hour heat map. Pages, the API and the PDF all read
// through this module; what each figure means is in docs/data.md.
import type { PrismaClient } from '../db/generated/client.js'
import { bucketKey, TOTAL, type Span } from './buckets-sql.js'
import { buckets, dateString, isoLocal, localDay, nextDate, startOfLocalDay, type Interval } from './calendar.js'
import { hourlySums, type HourlySums } from './hourly-figures.js'
import { linkClicksByKey } from './link-clicks.js'
import { newDevices } from './new-devices.js'
import { onlineNow } from './online-now.js'
import { rejectsByReason } from './rejects.js'
import { medianLengths } from './session-lengths.js'
import { uniqueDevices } from './unique-devices.js'

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
  /** Today so far (local day). */
  today: Figures
  /** The whole of the same weekday a week ago (a whole day: its distinct devices are exact). */
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

function figuresFrom(
  k: string,
  sums: Map<string, HourlySums>,
  unique: Map<string, number>,
  fresh: Map<string, number>,
  medians: Map<string, number | null>,
  rejects: Map<string, Record<string, number>>,
  clicks: Map<string, Record<string, number>>,
): Figures {
  const h = sums.get(k)
  const f = emptyFigures()
  f.uniqueDevices = unique.get(k) ?? 0
  f.newDevices = fresh.get(k) ?? 0
  f.medianSessionSeconds = medians.get(k) ?? null
  f.rejects = rejects.get(k) ?? {}
  f.linkClicks = clicks.get(k) ?? {}
  if (!h) return f
  f.sessions = h.sessions
  f.inputOctets = h.inputOctets
  f.outputOctets = h.outputOctets
  f.sessionSeconds = h.sessionSeconds
  f.peakConcurrent = h.peakConcurrent
  f.averageSessionSeconds = h.endedSessions ? Math.round((h.endedSeconds / h.endedSessions) * 10) / 10 : null
  f.loginMethods = { click_through: h.clickThrough, otp: h.otp, voucher: h.voucher, mac: h.mac }
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
  const span: Span = {
    scope: q.siteId ?? 0,
    from: startOfLocalDay(q.from, timeZone),
    to: startOfLocalDay(nextDate(q.to), timeZone),
    fromDate: q.from,
    toDate: q.to,
    interval: q.interval,
    timeZone,
  }
  const [sums, fresh, medians, rejects, clicks] = await Promise.all([
    hourlySums(db, span),
    newDevices(db, span),
    medianLengths(db, span),
    rejectsByReason(db, span),
    linkClicksByKey(db, span),
  ])
  const unique = await uniqueDevices(db, span, q.from, q.to, sums)
  const of = (k: string) => figuresFrom(k, sums, unique, fresh, medians, rejects, clicks)
  return {
    site,
    from: q.from,
    to: q.to,
    interval: q.interval,
    timeZone,
    totals: of(TOTAL),
    series: buckets(q.from, q.to, q.interval, timeZone).map((b) => ({ start: isoLocal(b.start, timeZone), ...of(bucketKey(b, q.interval)) })),
  }
}

export async function dashboard(db: PrismaClient, timeZone: string, now: Date = new Date()): Promise<Dashboard> {
  const today = dateString(localDay(now, timeZone))
  const weekAgo = nextDate(today, -7)
  const day = async (date: string) => (await usageReport(db, { siteId: null, from: date, to: date, interval: 'day' }, timeZone)).totals
  const [online, todayFigures, lastWeek, last30Days] = await Promise.all([
    onlineNow(db),
    day(today),
    day(weekAgo),
    usageReport(db, { siteId: null, from: nextDate(today, -29), to: today, interval: 'day' }, timeZone),
  ])
  return { onlineNow: online, today: todayFigures, sameWeekdayLastWeek: lastWeek, last30Days }
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
