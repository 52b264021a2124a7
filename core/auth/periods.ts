// Daily and monthly quotas reset at local midnight (CITYWIFI_TIMEZONE), and
// hourly statistics are kept per clock hour. Days are stored as DATE columns,
// which Prisma maps to midnight UTC of that calendar date.

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
// worked out once per quarter hour and zone.
const SLOT_MS = 15 * 60_000
const offsets = new Map<string, number>()

function offsetMs(now: Date, timeZone: string): number {
  const slot = Math.floor(now.getTime() / SLOT_MS) * SLOT_MS
  const key = `${timeZone}|${slot}`
  let offset = offsets.get(key)
  if (offset === undefined) {
    const p = parts(new Date(slot), timeZone)
    offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - slot
    if (offsets.size > 1000) offsets.clear()
    offsets.set(key, offset)
  }
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

/** The start of the clock hour of `at` (UTC instant; hours are the same in every zone we serve). */
export function hourOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000)
}
