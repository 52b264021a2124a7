// How a bucket, a period and a figure read, for people (pages, charts, PDF)
// and for spreadsheets (CSV). Bucket starts arrive as ISO 8601 with the
// site's offset ("2026-11-12T14:00:00+07:00"), so their local date and hour
// are read from the text itself: no time-zone arithmetic here.
import type { MessageKey } from '../locales/index.js'
import type { AdminTranslator } from '../render.js'
import type { Interval } from './figures.js'

export interface LocalParts {
  year: string
  month: string
  day: string
  hour: string
}

export function localParts(iso: string): LocalParts {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}))?/.exec(iso)
  if (!m) throw new Error(`not an ISO date: ${iso}`)
  return { year: m[1]!, month: m[2]!, day: m[3]!, hour: m[4] ?? '00' }
}

/** 2026-11-01 → 01/11/2026 (day first in both languages: en-GB, as the city writes dates). */
export function dayText(date: string): string {
  const p = localParts(date)
  return `${p.day}/${p.month}/${p.year}`
}

/** A bucket on a chart's axis: "14h" or "12/11 14h" (hours), "12/11" (days), "11/2026" (months). */
export function axisLabel(start: string, interval: Interval, oneDay: boolean): string {
  const p = localParts(start)
  if (interval === 'hour') return oneDay ? `${p.hour}h` : `${p.day}/${p.month} ${p.hour}h`
  if (interval === 'day') return `${p.day}/${p.month}`
  return `${p.month}/${p.year}`
}

/** A bucket in a table: "12/11/2026 14:00–15:00", "12/11/2026", "11/2026". */
export function bucketText(start: string, interval: Interval): string {
  const p = localParts(start)
  if (interval === 'hour') return `${p.day}/${p.month}/${p.year} ${p.hour}:00–${String((Number(p.hour) + 1) % 24).padStart(2, '0')}:00`
  if (interval === 'day') return `${p.day}/${p.month}/${p.year}`
  return `${p.month}/${p.year}`
}

/** A bucket in a CSV file: sortable and read as a date by spreadsheets ("2026-11-12 14:00", "2026-11-12", "2026-11"). */
export function bucketCsv(start: string, interval: Interval): string {
  const p = localParts(start)
  if (interval === 'hour') return `${p.year}-${p.month}-${p.day} ${p.hour}:00`
  if (interval === 'day') return `${p.year}-${p.month}-${p.day}`
  return `${p.year}-${p.month}`
}

export const GB = 1e9

/** Numbers as the page shows them. */
export const show = {
  count: (tr: AdminTranslator, n: number) => tr.number(n),
  gb: (tr: AdminTranslator, octets: number) => tr.number(octets / GB, { maximumFractionDigits: octets >= 100 * GB ? 1 : 2 }),
  hours: (tr: AdminTranslator, seconds: number) => tr.number(seconds / 3600, { maximumFractionDigits: 1 }),
  minutes: (tr: AdminTranslator, seconds: number | null) => (seconds === null ? '—' : tr.number(seconds / 60, { maximumFractionDigits: 1 })),
}

export const t = (tr: AdminTranslator, key: string, vars?: Record<string, string | number>): string => tr.t(key as MessageKey, vars)

/** A reject reason or a link in the person's words, the code itself when there are none. */
export function reasonText(tr: AdminTranslator, reason: string): string {
  return tr.has(`reason.${reason}`) ? t(tr, `reason.${reason}`) : reason
}

/** Days from `from` to `to`, both included (YYYY-MM-DD). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1
}

/** The unit a period reads best in when nobody chose one (the PDF): hours for a day or two, days up to a quarter, else months. */
export function naturalInterval(from: string, to: string): Interval {
  const days = daysBetween(from, to)
  return days <= 2 ? 'hour' : days <= 92 ? 'day' : 'month'
}
