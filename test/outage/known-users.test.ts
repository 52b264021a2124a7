// #12 item 3: a user whose voucher this process has decided before logs in
// again while the database is down — even after accounting for the session
// was stored (which used to evict the cache entries, leaving nothing to decide
// with); what the cache cannot decide gets no reply, counted, so that the NAS
// can ask another server.
import t from 'tap'
import { privatePostgresUnavailable } from '../helpers/private-postgres.js'
import { alive, login, mac, metricValue, outageFixture, sendAccounting, sleep } from './setup.js'

const unavailable = privatePostgresUnavailable()

t.test('known users log in during a database outage; the rest get no reply', { skip: unavailable }, async (t) => {
  const f = await outageFixture(t)
  const [known, unknownToCache] = f.vouchers
  const device = mac(77)
  t.equal(await login(f, known!, device), 'accept', 'first login, before the outage')
  // Accounting for the session, committed: the cache entries must survive it.
  t.ok(await sendAccounting(f, { sid: 'known-1', status: 'Start', user: known!, mac: device }), 'Start stored')
  t.ok(await sendAccounting(f, { sid: 'known-1', status: 'Interim-Update', user: known!, mac: device, seconds: 60, octetsIn: 10, octetsOut: 20 }), 'Interim stored')
  t.ok(await sendAccounting(f, { sid: 'known-1', status: 'Stop', user: known!, mac: device, seconds: 90, octetsIn: 10, octetsOut: 20 }), 'Stop stored')

  await f.pg.stopFast()
  t.equal(await login(f, known!, device), 'accept', 'the known voucher logs in again during the outage')
  t.ok(await sendAccounting(f, { sid: 'known-2', status: 'Start', user: known!, mac: device }), 'its accounting is acknowledged (spooled)')
  t.equal(await login(f, known!, device), 'accept', 'and again, after more accounting')
  t.equal(await login(f, unknownToCache!, mac(78), 3000), 'none', 'a voucher this process never read: no reply, not a reject')
  t.equal(await login(f, 'ZZZZZZZZZZ', mac(79), 3000), 'none', 'an unknown code: no reply either (the database could know it)')
  const text = await f.metrics()
  t.ok((await metricValue(text, 'citywifi_radius_outage_cache_decisions_total')) >= 2, 'decisions from the cache are counted')
  t.match(text, /citywifi_radius_packets_dropped_total\{reason="database_unavailable"\} [1-9]/, 'requests left unanswered are counted')
  t.ok(alive(f.app), 'running')
  if (process.env.OUTAGE_DEBUG) console.error(f.app.output())

  await f.pg.start()
  let after: string = 'none'
  for (let i = 0; i < 20 && after !== 'accept'; i++) {
    after = await login(f, unknownToCache!, mac(78), 1000)
    if (after !== 'accept') await sleep(250)
  }
  t.equal(after, 'accept', 'after the outage the other voucher logs in')
  t.match(f.app.output(), /the database answers again/, 'the recovery is logged')
})
