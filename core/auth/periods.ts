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

/** The local calendar day of `now`, as the Date Prisma uses for a DATE column. */
export function localDay(now: Date, timeZone: string): Date {
  const p = parts(now, timeZone)
  return new Date(Date.UTC(p.year, p.month - 1, p.day))
}

/** The first day of the local month of `now`, as a DATE value. */
export function localMonthStart(now: Date, timeZone: string): Date {
  const p = parts(now, timeZone)
  return new Date(Date.UTC(p.year, p.month - 1, 1))
}

/** Seconds from `now` to the next local midnight (when daily quotas reset). */
export function secondsToLocalMidnight(now: Date, timeZone: string): number {
  const p = parts(now, timeZone)
  return 86_400 - (p.hour * 3600 + p.minute * 60 + p.second)
}

/** The start of the clock hour of `at` (UTC instant; hours are the same in every zone we serve). */
export function hourOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000)
}
