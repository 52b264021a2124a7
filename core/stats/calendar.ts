// Calendar maths in the city's time zone (CITYWIFI_TIMEZONE), in one place:
// quotas reset at local midnight, statistics are cut into local hours, days
// and months. Days are stored as DATE columns, which Prisma maps to midnight
// UTC of that calendar date; hours as the UTC instant they start at.

export type Interval = 'hour' | 'day' | 'month'

const HOUR_MS = 3_600_000
const dayFormat = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = dayFormat.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
    dayFormat.set(timeZone, f)
  }
  return f
}

function parts(now: Date, timeZone: string) {
  const p: Record<string, number> = {}
  for (const { type, value } of formatter(timeZone).formatToParts(now)) if (type !== 'literal') p[type] = Number(value)
  return p as { year: number; month: number; day: number; hour: number; minute: number; second: number }
}

// formatToParts is slow for a hot path (every accounting record asks for its
// day): a zone's offset from UTC only changes on a quarter hour, so it is
// worked out once per quarter hour and zone. Local days and months change
// on one too (the auth store keeps them per quarter hour).
export const QUARTER_HOUR_MS = 15 * 60_000
const offsets = new Map<string, number>()

// The last answer is checked first, without building the map's key: nearly
// every call (an accounting record's day, say) is for the current quarter hour.
let lastZone = ''
let lastSlot = NaN
let lastOffset = 0

/** The zone's offset from UTC at `now`, in milliseconds (+07:00 is 25 200 000). */
export function offsetMs(now: Date, timeZone: string): number {
  const slot = Math.floor(now.getTime() / QUARTER_HOUR_MS) * QUARTER_HOUR_MS
  if (slot === lastSlot && timeZone === lastZone) return lastOffset
  const key = `${timeZone}|${slot}`
  let offset = offsets.get(key)
  if (offset === undefined) {
    const p = parts(new Date(slot), timeZone)
    offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - slot
    if (offsets.size > 1000) offsets.clear()
    offsets.set(key, offset)
  }
  lastZone = timeZone
  lastSlot = slot
  lastOffset = offset
  return offset
}

/** The wall-clock time in the zone, as a Date whose UTC fields read as local time. */
function local(now: Date, timeZone: string): Date {
  return new Date(now.getTime() + offsetMs(now, timeZone))
}

/** The local calendar day of `now`, as the Date Prisma uses for a DATE column. */
export function localDay(now: Date, timeZone: string): Date {
  const l = local(now, timeZone)
  return new Date(Date.UTC(l.getUTCFullYear(), l.getUTCMonth(), l.getUTCDate()))
}

/** The first day of the local month of `now`, as a DATE value. */
export function localMonthStart(now: Date, timeZone: string): Date {
  const l = local(now, timeZone)
  return new Date(Date.UTC(l.getUTCFullYear(), l.getUTCMonth(), 1))
}

/** Seconds from `now` to the next local midnight (when daily quotas reset). */
export function secondsToLocalMidnight(now: Date, timeZone: string): number {
  const l = local(now, timeZone)
  return 86_400 - (l.getUTCHours() * 3600 + l.getUTCMinutes() * 60 + l.getUTCSeconds())
}

/**
 * The start of the clock hour of `at`, as a UTC instant. Hourly statistics
 * are kept per UTC hour, which is a local hour in every zone whose offset is
 * whole hours (Asia/Ho_Chi_Minh is +07:00).
 */
export function hourOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS)
}

/** "YYYY-MM-DD" of a local day, from its DATE value. */
export function dateString(day: Date): string {
  return day.toISOString().slice(0, 10)
}

/** Whether `s` is a real calendar date written YYYY-MM-DD. */
export function isDateString(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false
  const d = new Date(`${s}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && dateString(d) === s
}

/** The instant local midnight starts the day `date` (YYYY-MM-DD) in the zone. */
export function startOfLocalDay(date: string, timeZone: string): Date {
  const wall = new Date(`${date}T00:00:00Z`).getTime()
  // Two rounds: the offset at the guess may differ from the offset at the answer across a change.
  let t = wall - offsetMs(new Date(wall), timeZone)
  t = wall - offsetMs(new Date(t), timeZone)
  return new Date(t)
}

/** The day after `date`, YYYY-MM-DD. */
export function nextDate(date: string, days = 1): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return dateString(d)
}

/** The first day of the month after the one `date` is in, YYYY-MM-DD. */
export function nextMonth(date: string): string {
  const d = new Date(`${date.slice(0, 7)}-01T00:00:00Z`)
  d.setUTCMonth(d.getUTCMonth() + 1)
  return dateString(d)
}

/** ISO 8601 with the zone's offset: "2026-11-29T00:00:00+07:00". */
export function isoLocal(at: Date, timeZone: string): string {
  const off = offsetMs(at, timeZone)
  const l = new Date(at.getTime() + off)
  const sign = off < 0 ? '-' : '+'
  const abs = Math.abs(off) / 60_000
  const hh = String(Math.floor(abs / 60)).padStart(2, '0')
  const mm = String(abs % 60).padStart(2, '0')
  return `${l.toISOString().slice(0, 19)}${sign}${hh}:${mm}`
}

export interface Bucket {
  /** The local date the bucket starts on (YYYY-MM-DD). */
  date: string
  start: Date
  end: Date
}

/**
 * The buckets of a period `from`..`to` (local dates, inclusive): local hours,
 * days or calendar months. A month bucket is cut to the period, so a period
 * from the 15th has a first bucket starting on the 15th.
 */
export function buckets(from: string, to: string, interval: Interval, timeZone: string): Bucket[] {
  const out: Bucket[] = []
  const endDate = nextDate(to)
  const periodEnd = startOfLocalDay(endDate, timeZone)
  if (interval === 'hour') {
    for (let d = from; d < endDate; d = nextDate(d)) {
      const dayStart = startOfLocalDay(d, timeZone)
      const dayEnd = startOfLocalDay(nextDate(d), timeZone)
      for (let t = dayStart.getTime(); t < dayEnd.getTime(); t += HOUR_MS) {
        out.push({ date: d, start: new Date(t), end: new Date(Math.min(t + HOUR_MS, dayEnd.getTime())) })
      }
    }
    return out
  }
  for (let d = from; d < endDate; ) {
    const next = interval === 'day' ? nextDate(d) : nextMonth(d) < endDate ? nextMonth(d) : endDate
    out.push({ date: d, start: startOfLocalDay(d, timeZone), end: next === endDate ? periodEnd : startOfLocalDay(next, timeZone) })
    d = next
  }
  return out
}
