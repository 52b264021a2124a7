// #12 item 2: accounting sent while the database is away is acknowledged
// from the local spool and, once the database is back, every acknowledged
// record is in it exactly once — also when citywifi itself is killed with -9
// holding a non-empty spool and started again.
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { privatePostgresUnavailable } from '../helpers/private-postgres.js'
import { alive, metricValue, outageFixture, sleep, type AcctInput } from './setup.js'
import { checkStored, sendSessions } from './spool-checks.js'

const unavailable = privatePostgresUnavailable()

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
  t.ok(await f.app.waitFor(/accounting spool replayed into the database/, 10_000), 'the recovery is logged')
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

