// #12 item 2, the spool's limits: a full spool refuses (does not acknowledge)
// rather than drop, and a database that hangs instead of failing is bounded
// by ACCOUNTING_SPOOL_AFTER_MS.
import t from 'tap'
import { privatePostgresUnavailable } from '../helpers/private-postgres.js'
import { checkStored, sendSessions } from './spool-checks.js'
import { alive, mac, metricValue, outageFixture, sendAccounting, sleep, type AcctInput } from './setup.js'

const unavailable = privatePostgresUnavailable()

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
