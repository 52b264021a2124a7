// How a reader names the bucket a row falls in, in SQL and in JS alike, so
// that one GROUP BY (with the period's total as a grouping set) answers a
// whole report. Hours are UTC hours (local hours in whole-hour zones).
import type { Bucket, Interval } from './calendar.js'

/** SQL text naming the bucket of `column` (a UTC timestamp); `$tz` is the time zone's parameter. */
export function bucketKeySql(column: string, interval: Interval, tz: string): string {
  if (interval === 'hour') return `to_char(${column}, 'YYYY-MM-DD"T"HH24')`
  const local = `((${column} AT TIME ZONE 'UTC') AT TIME ZONE ${tz})`
  return interval === 'day' ? `to_char(${local}, 'YYYY-MM-DD')` : `to_char(${local}, 'YYYY-MM')`
}

/** The bucket of a DATE `column` (a local day), for day and month buckets. */
export function dayBucketKeySql(column: string, interval: 'day' | 'month'): string {
  return interval === 'day' ? `to_char(${column}, 'YYYY-MM-DD')` : `to_char(${column}, 'YYYY-MM')`
}

/** The same name, for a bucket of calendar.buckets(). */
export function bucketKey(b: Bucket, interval: Interval): string {
  if (interval === 'hour') return b.start.toISOString().slice(0, 13)
  return interval === 'day' ? b.date : b.date.slice(0, 7)
}

/** What a grouped query calls the whole period's row (the empty grouping set). */
export const TOTAL = '*'

/** Prisma's DateTime columns are timestamp(3) without time zone, holding UTC. */
export const utc = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '')

export interface Span {
  /** site id, or 0 for all sites */
  scope: number
  from: Date
  to: Date
  /** The same period as local dates, inclusive (YYYY-MM-DD). */
  fromDate: string
  toDate: string
  interval: Interval
  timeZone: string
}

/** The parameters of a reader's query: $1 scope, $2 from, $3 to, and $4 the time zone when the key names local days. */
export function spanParams(s: Span): unknown[] {
  return s.interval === 'hour' ? [s.scope, utc(s.from), utc(s.to)] : [s.scope, utc(s.from), utc(s.to), s.timeZone]
}
