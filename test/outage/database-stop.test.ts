// #12 item 1: citywifi keeps running when its PostgreSQL goes away under
// load — `pg_ctl stop -m fast` (57P01 to every backend, seen to end the
// process through an unhandled 'error' on a checked-out pg Client) and kill -9
// of the postmaster — with accounting, auth misses, a CoA exchange and the
// periodic jobs in flight, and works again once the database is back,
// without being restarted.
import dgram from 'node:dgram'
import t from 'tap'
import { newVoucherCode } from '../../core/voucher-code.js'
import { privatePostgresUnavailable } from '../helpers/private-postgres.js'
import { alive, login, mac, outageFixture, sendAccounting, sleep, type OutageFixture } from './setup.js'

const unavailable = privatePostgresUnavailable()

/** Keeps every kind of work in flight until stopped. */
function load(f: OutageFixture) {
  let running = true
  let n = 0
  const loops: Promise<void>[] = []
  // 16 outstanding accounting Starts, the load that ended the process.
  for (let i = 0; i < 16; i++) {
    loops.push(
      (async () => {
        while (running) {
          const k = n++
          await sendAccounting(f, { sid: `load-${k}`, status: 'Start', user: f.vouchers[1]!, mac: mac(1000 + k) }, 1500)
        }
      })(),
    )
  }
  // Auth misses: codes nobody issued, each a database read.
  for (let i = 0; i < 4; i++) {
    loops.push(
      (async () => {
        while (running) await login(f, newVoucherCode(), mac(5000 + i), 1000)
      })(),
    )
  }
  return {
    async stop() {
      running = false
      await Promise.all(loops)
    },
  }
}

/** Seconds until a new accounting Start is in the database again (acknowledged is not enough: the spool acknowledges too). */
async function recovery(f: OutageFixture, tag: string): Promise<number> {
  const started = Date.now()
  for (let i = 0; Date.now() - started < 60_000; i++) {
    const sid = `${tag}-${i}`
    if (await sendAccounting(f, { sid, status: 'Start', user: f.vouchers[2]!, mac: mac(9000 + i) }, 1000)) {
      for (let j = 0; j < 10; j++) {
        const rows = await f.pg.query(`SELECT 1 FROM "Session" WHERE "acctSessionId" = $1`, [sid], 'citywifi').catch(() => [])
        if (rows.length) return (Date.now() - started) / 1000
        await sleep(50)
      }
    }
  }
  throw new Error(`accounting not stored within 60 s of the database's return (${tag}):\n${f.app.output().slice(-4000)}`)
}

t.test('citywifi survives its PostgreSQL stopping and being killed under load', { skip: unavailable }, async (t) => {
  // A NAS's CoA port that never answers: the CoA sender is mid-exchange when the database goes.
  const silent = dgram.createSocket('udp4')
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r))
  t.teardown(() => silent.close())
  const f = await outageFixture(t)
  await f.pg.query(`UPDATE "AccessPoint" SET "coaPort" = $1`, [(silent.address() as { port: number }).port], 'citywifi')

  t.equal(await login(f, f.vouchers[0]!, mac(1)), 'accept', 'a login before the outage')
  t.ok(await sendAccounting(f, { sid: 'before', status: 'Start', user: f.vouchers[0]!, mac: mac(1) }), 'accounting before the outage')

  for (const fault of ['stop -m fast', 'kill -9'] as const) {
    await t.test(fault, async (t) => {
      const work = load(f)
      t.teardown(() => work.stop())
      // CoA requests waiting to be sent, and being sent, while the database goes.
      const [session] = await f.pg.query<{ id: string }>(`SELECT id::text FROM "Session" WHERE "acctSessionId" = 'before'`, [], 'citywifi')
      await f.pg.query(
        `INSERT INTO "CoaRequest" (kind, "nasId", "sessionId", attributes, "requestedBy", "createdAt") SELECT 'disconnect', $1, $2, '{}', 'admin:test', now() FROM generate_series(1, 5)`,
        [f.nasId, session!.id],
        'citywifi',
      )
      await sleep(1500)
      const logBefore = f.app.output().length
      if (fault === 'kill -9') f.pg.killPostmaster()
      else await f.pg.stopFast()
      // Longer than the job interval (10 s): the periodic jobs run into the outage too.
      for (let s = 0; s < 12; s++) {
        await sleep(1000)
        if (!alive(f.app)) {
          t.fail(`citywifi exited ${s + 1} s into the outage:\n${f.app.output().slice(-3000)}`)
          return
        }
      }
      t.pass('running through 12 s of outage')
      // Item 6: one line per kind of failure, not one per failed packet (about 30 packets a second fail here).
      const outageLines = f.app.output().slice(logBefore).split('\n').filter((l) => /"level":(40|50|60)/.test(l))
      const kinds = new Set(outageLines.map((l) => /"kind":"([^"]+)"/.exec(l)?.[1] ?? /"msg":"([^"]+)"/.exec(l)?.[1]))
      t.ok(outageLines.length <= 2 * kinds.size + 2, `${outageLines.length} warning/error lines in 12 s of outage, for ${kinds.size} kinds: ${[...kinds].join('; ')}`)
      await f.pg.start()
      const seconds = await recovery(f, `after-${fault.replace(/\W/g, '')}`)
      t.ok(alive(f.app), 'still the same process')
      // The spool filled during the outage is replayed first (in order): on a busy machine that takes
      // seconds, measured 10.5–13.8 s with other test files running beside it.
      t.ok(seconds < 30, `accounting stored again ${seconds} s after the database returned`)
      t.equal(await login(f, f.vouchers[3]!, mac(3)), 'accept', 'a login that needs the database works again')
      await work.stop()
      t.ok(alive(f.app), 'still running after the load')
      const [{ n }] = (await f.pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Session" WHERE "acctSessionId" LIKE 'load-%'`, [], 'citywifi')) as [{ n: number }]
      t.ok(n > 0, `the load's Starts are stored (${n})`)
      t.notMatch(f.app.output(), /Unhandled 'error' event|uncaught/i, 'no unhandled error')
      t.match(f.app.output().slice(logBefore), /"msg":"[^"]*: (the database answers again|connected again|recovered)"/, 'the recovery is logged')
    })
  }
})
