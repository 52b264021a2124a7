// The figures that add up from hours (sessions, traffic, connected time,
// ended sessions, login methods) and the peak (the largest of the hours'),
// per bucket and for the whole period, from StatsHourly.
import type { PrismaClient } from '../db/generated/client.js'
import { bucketKeySql, spanParams, TOTAL, type Span } from './buckets-sql.js'

export interface HourlySums {
  sessions: number
  /** Only meaningful for hour buckets: the hour's distinct devices. */
  uniqueDevices: number
  sessionSeconds: number
  inputOctets: number
  outputOctets: number
  peakConcurrent: number
  endedSessions: number
  endedSeconds: number
  clickThrough: number
  otp: number
  voucher: number
  mac: number
}

export async function hourlySums(db: PrismaClient, s: Span): Promise<Map<string, HourlySums>> {
  const key = bucketKeySql('"hour"', s.interval, '$4')
  const rows = await db.$queryRawUnsafe<(HourlySums & { k: string | null })[]>(
    `SELECT ${key} AS k, sum("sessions")::float8 AS sessions, sum("uniqueDevices")::float8 AS "uniqueDevices",
       sum("sessionSeconds")::float8 AS "sessionSeconds", sum("inputOctets")::float8 AS "inputOctets", sum("outputOctets")::float8 AS "outputOctets",
       max("peakConcurrent")::float8 AS "peakConcurrent", sum("endedSessions")::float8 AS "endedSessions", sum("endedSeconds")::float8 AS "endedSeconds",
       sum("clickThrough")::float8 AS "clickThrough", sum("otp")::float8 AS otp, sum("voucher")::float8 AS voucher, sum("mac")::float8 AS mac
     FROM "StatsHourly" WHERE "scope" = $1 AND "hour" >= $2::timestamp AND "hour" < $3::timestamp
     GROUP BY GROUPING SETS ((${key}), ())`,
    ...spanParams(s),
  )
  return new Map(rows.map(({ k, ...sums }) => [k ?? TOTAL, sums]))
}
