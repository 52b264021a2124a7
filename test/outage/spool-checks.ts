// Sending sessions' accounting like a NAS, and checking what was acknowledged is stored once.
import type { Test } from 'tap'
import { mac, sendAccounting, sleep, type AcctInput, type OutageFixture } from './setup.js'

/** What one session's records say, in the order a NAS sends them. */
export function sessionRecords(sid: string, user: string, device: string): AcctInput[] {
  return [
    { sid, status: 'Start', user, mac: device, seconds: 0 },
    { sid, status: 'Interim-Update', user, mac: device, seconds: 60, octetsIn: 1000, octetsOut: 5000 },
    { sid, status: 'Stop', user, mac: device, seconds: 120, octetsIn: 2000, octetsOut: 9000 },
  ]
}

/** Sends like a NAS: each record until acknowledged, at most `tries` times. */
export async function deliver(f: OutageFixture, r: AcctInput, acked: AcctInput[], tries = 3) {
  for (let i = 0; i < tries; i++) {
    if (await sendAccounting(f, r, 1500)) {
      acked.push(r)
      return
    }
  }
}

/** Sessions of `count`, sent `parallel` at a time, spread over about `spreadMs`. */
export async function sendSessions(f: OutageFixture, prefix: string, count: number, spreadMs: number, acked: AcctInput[], sent: AcctInput[]) {
  const gap = spreadMs / count
  const work: Promise<void>[] = []
  for (let i = 0; i < count; i++) {
    const recs = sessionRecords(`${prefix}-${i}`, f.vouchers[i % f.vouchers.length]!, mac(i + (prefix.charCodeAt(0) << 12)))
    sent.push(...recs)
    work.push(
      (async () => {
        for (const r of recs) await deliver(f, r, acked)
      })(),
    )
    await sleep(gap)
  }
  await Promise.all(work)
}

/** Waits until every acknowledged record shows in the database; then checks nothing is there twice. */
export async function checkStored(t: Test, f: OutageFixture, acked: AcctInput[], ms = 30_000) {
  const expect = new Map<string, { seconds: number; stopped: boolean; mac: string }>()
  for (const r of acked) {
    const e = expect.get(r.sid) ?? { seconds: 0, stopped: false, mac: r.mac }
    e.seconds = Math.max(e.seconds, r.seconds ?? 0)
    e.stopped ||= r.status === 'Stop'
    expect.set(r.sid, e)
  }
  const sids = [...expect.keys()]
  const deadline = Date.now() + ms
  let rows: { acctSessionId: string; n: number; seconds: number; stopped: boolean }[] = []
  let missing: string[] = []
  for (;;) {
    rows = await f.pg.query(
      `SELECT "acctSessionId", count(*)::int AS n, max("sessionSeconds")::int AS seconds, bool_and("stoppedAt" IS NOT NULL) AS stopped
       FROM "Session" WHERE "acctSessionId" = ANY($1) GROUP BY 1`,
      [sids],
      'citywifi',
    )
    const byId = new Map(rows.map((r) => [r.acctSessionId, r]))
    missing = sids.filter((sid) => {
      const row = byId.get(sid)
      const e = expect.get(sid)!
      return !row || row.seconds < e.seconds || (e.stopped && !row.stopped)
    })
    if (!missing.length || Date.now() > deadline) break
    await sleep(250)
  }
  t.same(missing, [], `every acknowledged record is stored (${acked.length} records of ${sids.length} sessions)`)
  t.ok(
    rows.every((r) => r.n === 1),
    'each session once',
  )
  // Replaying a record twice must not count its usage twice: each device used 120 s.
  const usage = await f.pg.query<{ mac: string; seconds: number }>(
    `SELECT d.mac, sum(u.seconds)::int AS seconds FROM "DeviceUsageDaily" u JOIN "Device" d ON d.id = u."deviceId" WHERE d.mac = ANY($1) GROUP BY 1`,
    [[...new Set([...expect.values()].map((e) => e.mac.toUpperCase()))]],
    'citywifi',
  )
  t.ok(usage.length > 0, 'device usage recorded')
  t.ok(
    usage.every((u) => u.seconds === 120),
    `each device's usage counted once (${usage.filter((u) => u.seconds !== 120).length} wrong)`,
  )
}

