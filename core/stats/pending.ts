// What an accounting batch leaves for the statistics: one StatsPending row
// per session it changed, with the traffic reported (counted in the hour it
// was reported). One INSERT per batch, whatever its size; the fold
// (fold.ts) does the rest out of the accounting transaction, so that
// transactions committing at once never wait on one busy statistics row.
import type pg from 'pg'
import { hourOf } from './calendar.js'

export interface PendingChange {
  sessionId: bigint
  siteId: number
  /** When the record was true (arrival minus Acct-Delay-Time). */
  at: Date
  deltaInput: bigint
  deltaOutput: bigint
}

const INSERT_PENDING = `
INSERT INTO "StatsPending" ("sessionId", "siteId", "hour", "inputOctets", "outputOctets")
SELECT sid::bigint, s, h, i::bigint, o::bigint FROM json_to_recordset($1::json) AS t(sid text, s int, h timestamp, i text, o text)`

/** Prisma's DateTime columns are timestamp(3) without time zone, holding UTC. */
const utc = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '')

export async function recordPending(client: pg.ClientBase, changes: PendingChange[]): Promise<void> {
  if (!changes.length) return
  const rows = changes.map((c) => ({ sid: c.sessionId.toString(), s: c.siteId, h: utc(hourOf(c.at)), i: c.deltaInput.toString(), o: c.deltaOutput.toString() }))
  await client.query(INSERT_PENDING, [JSON.stringify(rows)])
}

/**
 * SQL that closes sessions with an UPDATE and leaves them for the fold:
 * wraps `update`, which must end in `RETURNING id, "siteId", "updatedAt"`.
 * Its row count is the sessions closed.
 */
export function closingWithPending(update: string): string {
  return `WITH closed AS (${update})
INSERT INTO "StatsPending" ("sessionId", "siteId", "hour") SELECT id, "siteId", date_trunc('hour', "updatedAt") FROM closed`
}
