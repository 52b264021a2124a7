// #12 item 2: accounting sent while the database is away is acknowledged
// from the local spool and, once the database is back, every acknowledged
// record is in it exactly once — also when citywifi itself is killed with -9
// holding a non-empty spool and started again.
import fs from 'node:fs'
import path from 'node:path'
import t, { type Test } from 'tap'
import { privatePostgresUnavailable } from '../helpers/private-postgres.js'
import { alive, mac, metricValue, outageFixture, sendAccounting, sleep, type AcctInput, type OutageFixture } from './setup.js'

const unavailable = privatePostgresUnavailable()

/** What one session's records say, in the order a NAS sends them. */
function sessionRecords(sid: string, user: string, device: string): AcctInput[] {
  return [
    { sid, status: 'Start', user, mac: device, seconds: 0 },
    { sid, status: 'Interim-Update', user, mac: device, seconds: 60, octetsIn: 1000, octetsOut: 5000 },
    { sid, status: 'Stop', user, mac: device, seconds: 120, octetsIn: 2000, octetsOut: 9000 },
  ]
}

/** Sends like a NAS: each record until acknowledged, at most `tries` times. */
async function deliver(f: OutageFixture, r: AcctInput, acked: AcctInput[], tries = 3) {
  for (let i = 0; i < tries; i++) {
    if (await sendAccounting(f, r, 1500)) {
      acked.push(r)
      return
    }
  }
}

/** Sessions of `count`, sent `parallel` at a time, spread over about `spreadMs`. */
async function sendSessions(f: OutageFixture, prefix: string, count: number, spreadMs: number, acked: AcctInput[], sent: AcctInput[]) {
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
async function checkStored(t: Test, f: OutageFixture, acked: AcctInput[], ms = 30_000) {
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

t.test('accounting during a database outage is acknowledged and stored exactly once', { skip: unavailable }, async (t) => {
  const f = await outageFixture(t)
  const acked: AcctInput[] = []
  const sent: AcctInput[] = []
  await sendSessions(f, 'a', 10, 500, acked, sent)

  await f.pg.stopFast()
  // A 30 s outage, as the issue measured: records of 30 sessions arrive throughout it.
  const outageStarted = Date.now()
  await sendSessions(f, 'b', 30, 25_000, acked, sent)
  const spooled = await metricValue(await f.metrics(), 'citywifi_radius_accounting_spool_records')
  t.ok(spooled > 0, `records wait in the spool (${spooled})`)
  t.ok(fs.readdirSync(path.join(f.dataDir, 'accounting-spool')).some((n) => n.endsWith('.jsonl')), 'in the data dir')
  const left = 30_000 - (Date.now() - outageStarted)
  if (left > 0) await sleep(left)
  t.ok(alive(f.app), 'running through the outage')
  t.equal(acked.length, sent.length, `every record acknowledged (${acked.length} of ${sent.length})`)

  await f.pg.start()
  await checkStored(t, f, acked)
  // Voucher time: what the replay resolved and counted, once.
  const vouchers = await f.pg.query<{ code: string; used: number; sessions: number }>(
    `SELECT v.code, v."usedSeconds" AS used, (SELECT coalesce(sum(s."sessionSeconds"), 0)::int FROM "Session" s WHERE s."voucherId" = v.id) AS sessions FROM "Voucher" v`,
    [],
    'citywifi',
  )
  t.ok(
    vouchers.every((v) => v.used === v.sessions),
    `voucher time counted once (${JSON.stringify(vouchers)})`,
  )
  const text = await f.metrics()
  t.equal(await metricValue(text, 'citywifi_radius_accounting_spool_records'), 0, 'the spool is empty again')
  t.ok((await metricValue(text, 'citywifi_radius_accounting_spool_replayed_total')) >= 90, 'and was replayed')
  t.match(f.app.output(), /accounting spool replayed into the database/, 'the recovery is logged')
})

t.test('kill -9 of citywifi with a non-empty spool loses nothing', { skip: unavailable }, async (t) => {
  const f = await outageFixture(t)
  const acked: AcctInput[] = []
  const sent: AcctInput[] = []
  await f.pg.stopFast()
  await sendSessions(f, 'k', 20, 2000, acked, sent)
  t.equal(acked.length, sent.length, 'acknowledged from the spool')
  f.app.child.kill('SIGKILL')
  await f.app.exited()
  const files = fs.readdirSync(path.join(f.dataDir, 'accounting-spool')).filter((n) => n.endsWith('.jsonl'))
  t.ok(files.length > 0, `the spool is on disk after kill -9 (${files.join(', ')})`)
  await f.pg.start()
  const app = await f.restart()
  await app.waitFor(/accounting spool from an earlier run/, 10_000)
  await checkStored(t, f, acked)
  await app.waitFor(/accounting spool replayed into the database/, 10_000)
  t.same(
    fs.readdirSync(path.join(f.dataDir, 'accounting-spool')).filter((n) => n.endsWith('.jsonl')),
    [],
    'and its files are gone once stored',
  )
})

t.test('a full spool refuses accounting instead of dropping it', { skip: unavailable }, async (t) => {
  const f = await outageFixture(t, { env: { ACCOUNTING_SPOOL_MAX_MB: '1' } })
  await f.pg.stopFast()
  // Fill the spool beyond 1 MB: about 400 bytes a record.
  let refused = 0
  let acked = 0
  const big = 'x'.repeat(200)
  for (let batch = 0; batch < 200 && refused === 0; batch++) {
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        sendAccounting(f, { sid: `full-${batch}-${i}-${big}`, status: 'Start', user: f.vouchers[0]!, mac: mac(batch * 25 + i) }, 1500),
      ),
    )
    for (const r of results) r ? acked++ : refused++
  }
  t.ok(refused > 0, `records refused once the spool is full (${acked} acknowledged first)`)
  const text = await f.metrics()
  t.ok((await metricValue(text, 'citywifi_radius_accounting_spool_refused_total')) > 0, 'counted')
  t.ok((await metricValue(text, 'citywifi_radius_accounting_spool_bytes')) <= 1024 * 1024, 'the spool stays within its bound')
  t.match(f.app.output(), /accounting could not be spooled/, 'and said in the log')
  await f.pg.start()
  const rows = await (async () => {
    for (let i = 0; i < 120; i++) {
      const [r] = await f.pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Session" WHERE "acctSessionId" LIKE 'full-%'`, [], 'citywifi')
      if (r!.n >= acked) return r!.n
      await sleep(250)
    }
    return -1
  })()
  t.equal(rows, acked, 'every acknowledged record stored after the outage')
})

t.test('a database that hangs: commits slower than the bound are spooled and acknowledged', { skip: unavailable }, async (t) => {
  const f = await outageFixture(t, { env: { ACCOUNTING_SPOOL_AFTER_MS: '500' } })
  const acked: AcctInput[] = []
  const sent: AcctInput[] = []
  await sendSessions(f, 'h', 3, 300, acked, sent)
  f.pg.pause(true)
  t.teardown(() => f.pg.pause(false))
  const started = Date.now()
  await sendSessions(f, 'p', 10, 2000, acked, sent)
  t.equal(acked.length, sent.length, `acknowledged while the database hangs (${acked.length} records in ${Date.now() - started} ms)`)
  t.ok((await metricValue(await f.metrics(), 'citywifi_radius_accounting_spool_records')) > 0, 'from the spool')
  f.pg.pause(false)
  await checkStored(t, f, acked)
  t.ok(alive(f.app), 'running')
})
