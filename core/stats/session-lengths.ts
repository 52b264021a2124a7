// Median and average length of the sessions that ended in a bucket. The
// median comes from lengths counted by whole minute (StatsDuration), so it
// is the middle of the median's minute (or the mean of two such middles);
// the average is exact.
import type { PrismaClient } from '../db/generated/client.js'
import { bucketKeySql, dayBucketKeySql, spanParams, TOTAL, type Span } from './buckets-sql.js'

/** The median of lengths counted by minute: [minute, count] sorted by minute. */
export function medianOfMinutes(bins: [number, number][]): number | null {
  const n = bins.reduce((a, [, c]) => a + c, 0)
  if (!n) return null
  const at = (i: number) => {
    let seen = 0
    for (const [m, c] of bins) {
      seen += c
      if (i < seen) return m * 60 + 30
    }
    return bins[bins.length - 1]![0] * 60 + 30
  }
  return n % 2 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2
}

// Hours from StatsDuration; days and months from StatsDurationDaily (a year
// of hours would be hundreds of thousands of rows for all sites).
async function readBins(db: PrismaClient, s: Span) {
  type Row = { k: string | null; minute: number; n: number }
  if (s.interval === 'hour') {
    const key = bucketKeySql('"hour"', s.interval, '$4')
    return db.$queryRawUnsafe<Row[]>(
      `SELECT ${key} AS k, "minute", sum("count")::int AS n FROM "StatsDuration"
       WHERE "scope" = $1 AND "hour" >= $2::timestamp AND "hour" < $3::timestamp
       GROUP BY GROUPING SETS ((${key}, "minute"), ("minute"))`,
      ...spanParams(s),
    )
  }
  const key = dayBucketKeySql('"day"', s.interval)
  return db.$queryRawUnsafe<Row[]>(
    `SELECT ${key} AS k, "minute", sum("count")::int AS n FROM "StatsDurationDaily"
     WHERE "scope" = $1 AND "day" >= $2::date AND "day" <= $3::date
     GROUP BY GROUPING SETS ((${key}, "minute"), ("minute"))`,
    s.scope,
    s.fromDate,
    s.toDate,
  )
}

export async function medianLengths(db: PrismaClient, s: Span): Promise<Map<string, number | null>> {
  const rows = await readBins(db, s)
  const bins = new Map<string, [number, number][]>()
  for (const r of rows) {
    const k = r.k ?? TOTAL
    let list = bins.get(k)
    if (!list) bins.set(k, (list = []))
    list.push([r.minute, r.n])
  }
  const out = new Map<string, number | null>()
  for (const [k, list] of bins) out.set(k, medianOfMinutes(list.sort((a, b) => a[0] - b[0])))
  return out
}
