// Median and average length of the sessions that ended in a bucket. The
// median comes from lengths counted by whole minute (StatsDuration), so it
// is the middle of the median's minute (or the mean of two such middles);
// the average is exact.
import type { PrismaClient } from '../db/generated/client.js'
import { bucketKeySql, spanParams, TOTAL, type Span } from './buckets-sql.js'

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

export async function medianLengths(db: PrismaClient, s: Span): Promise<Map<string, number | null>> {
  const key = bucketKeySql('"hour"', s.interval, '$4')
  const rows = await db.$queryRawUnsafe<{ k: string | null; minute: number; n: number }[]>(
    `SELECT ${key} AS k, "minute", sum("count")::int AS n FROM "StatsDuration"
     WHERE "scope" = $1 AND "hour" >= $2::timestamp AND "hour" < $3::timestamp
     GROUP BY GROUPING SETS ((${key}, "minute"), ("minute"))`,
    ...spanParams(s),
  )
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
