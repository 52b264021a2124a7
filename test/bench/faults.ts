// The fault benchmark (#12): citywifi under accounting load while its
// PostgreSQL is stopped with `pg_ctl stop -m fast`, and then killed with
// kill -9 of the postmaster, for FAULT_SECONDS (60) each. NAS-like senders
// retransmit each record up to 5 times, 2 s apart, as the access points in
// the issue did. Reported per fault: records sent, acknowledged, stored (an
// acknowledged record whose content is in the database afterwards), lost
// (acknowledged but not stored: must be 0), and recovery: from the
// database's return until the spool is empty and a new record is stored
// straight away. A private PostgreSQL with fsync on, never the shared one.
//
//   node --import tsx test/bench/faults.ts      (or `npm run bench`)
//   FAULT_SECONDS=20 RATE=300 node --import tsx test/bench/faults.ts
import { privatePostgresUnavailable, PrivatePostgres } from '../helpers/private-postgres.js'
import { alive, mac, metricValue, outageFixture, sendAccounting, sleep, type AcctInput, type OutageFixture } from '../outage/setup.js'

const FAULT_SECONDS = Number(process.env.FAULT_SECONDS ?? 60)
const RATE = Number(process.env.RATE ?? 300) // records a second, all senders together
const SENDERS = 16
const TRIES = 5
const RETRY_MS = 2000

interface Tally {
  sent: number
  acked: AcctInput[]
}

/** Senders each walking through sessions (Start, 2 Interims, Stop), at RATE records a second in all. */
function startLoad(f: OutageFixture, tag: string, tally: Tally) {
  let running = true
  let next = 0
  const gap = (SENDERS * 1000) / RATE
  const loops = Array.from({ length: SENDERS }, async (_, s) => {
    while (running) {
      const n = next++
      const sid = `${tag}-${s}-${n}`
      const user = f.vouchers[n % f.vouchers.length]!
      const device = mac((s << 20) + n)
      const steps: AcctInput['status'][] = ['Start', 'Interim-Update', 'Interim-Update', 'Stop']
      for (let i = 0; i < steps.length && running; i++) {
        const r: AcctInput = { sid, status: steps[i]!, user, mac: device, seconds: i * 60, octetsIn: i * 1000, octetsOut: i * 4000 }
        tally.sent++
        const t0 = Date.now()
        for (let k = 0; k < TRIES; k++) {
          if (await sendAccounting(f, r, RETRY_MS)) {
            tally.acked.push(r)
            break
          }
        }
        const spent = Date.now() - t0
        if (spent < gap) await sleep(gap - spent)
      }
    }
  })
  return {
    async stop() {
      running = false
      await Promise.all(loops)
    },
  }
}

/** Acknowledged records whose content is in the database. */
async function stored(f: OutageFixture, acked: AcctInput[]): Promise<number> {
  const sids = [...new Set(acked.map((r) => r.sid))]
  const rows = await f.pg.query<{ acctSessionId: string; seconds: number; stopped: boolean; n: number }>(
    `SELECT "acctSessionId", count(*)::int AS n, max("sessionSeconds")::int AS seconds, bool_and("stoppedAt" IS NOT NULL) AS stopped FROM "Session" WHERE "acctSessionId" = ANY($1) GROUP BY 1`,
    [sids],
    'citywifi',
  )
  const byId = new Map(rows.map((r) => [r.acctSessionId, r]))
  let ok = 0
  for (const r of acked) {
    const row = byId.get(r.sid)
    if (row && row.n === 1 && row.seconds >= (r.seconds ?? 0) && (r.status !== 'Stop' || row.stopped)) ok++
  }
  return ok
}

async function fault(f: OutageFixture, kind: 'stop -m fast' | 'kill -9') {
  const tag = kind === 'kill -9' ? 'k9' : 'fast'
  const tally: Tally = { sent: 0, acked: [] }
  const load = startLoad(f, tag, tally)
  await sleep(10_000)
  if (kind === 'kill -9') f.pg.killPostmaster()
  else await f.pg.stopFast()
  const down = Date.now()
  let maxSpool = 0
  while (Date.now() - down < FAULT_SECONDS * 1000) {
    await sleep(1000)
    maxSpool = Math.max(maxSpool, await metricValue(await f.metrics(), 'citywifi_radius_accounting_spool_records'))
    if (!alive(f.app)) throw new Error(`citywifi exited during the fault:\n${f.app.output().slice(-3000)}`)
  }
  await f.pg.start()
  const back = Date.now()
  // Recovery: the spool is empty and the writer stores directly again.
  let recovery = NaN
  for (;;) {
    const spool = await metricValue(await f.metrics(), 'citywifi_radius_accounting_spool_records')
    if (spool === 0) {
      recovery = (Date.now() - back) / 1000
      break
    }
    if (Date.now() - back > 300_000) break
    await sleep(100)
  }
  await sleep(10_000)
  await load.stop()
  // Everything acknowledged settles (the last direct commits).
  let ok = 0
  for (let i = 0; i < 60; i++) {
    ok = await stored(f, tally.acked)
    if (ok === tally.acked.length) break
    await sleep(500)
  }
  return {
    fault: kind,
    seconds: FAULT_SECONDS,
    sent: tally.sent,
    acknowledged: tally.acked.length,
    stored: ok,
    lost: tally.acked.length - ok,
    spoolPeak: maxSpool,
    recoverySeconds: recovery,
    aliveThroughout: alive(f.app),
  }
}

const why = privatePostgresUnavailable()
if (why) {
  console.log(`fault benchmark skipped: ${why}`)
  process.exit(0)
}
const cleanups: (() => unknown)[] = []
const pg = await PrivatePostgres.create({ noFsync: false })
cleanups.push(() => pg.destroy())
try {
  const f = await outageFixture({ teardown: (fn) => cleanups.push(fn) }, { pg })
  console.log(`citywifi radius on a private PostgreSQL (${pg.dataDir}, fsync on); ${SENDERS} NAS senders, ${RATE} records/s, ${TRIES} tries ${RETRY_MS / 1000} s apart; fault ${FAULT_SECONDS} s`)
  const results = []
  for (const kind of ['stop -m fast', 'kill -9'] as const) {
    const r = await fault(f, kind)
    results.push(r)
    console.log(JSON.stringify(r))
  }
  console.log('\n| fault | seconds | sent | acknowledged | stored | lost | spool peak | recovery (s) | process survived |')
  console.log('|---|---|---|---|---|---|---|---|---|')
  for (const r of results) {
    console.log(`| ${r.fault} | ${r.seconds} | ${r.sent} | ${r.acknowledged} | ${r.stored} | ${r.lost} | ${r.spoolPeak} | ${r.recoverySeconds.toFixed(1)} | ${r.aliveThroughout ? 'yes' : 'NO'} |`)
  }
  const failed = results.some((r) => r.lost > 0 || !r.aliveThroughout)
  process.exitCode = failed ? 1 : 0
} finally {
  for (const fn of cleanups.reverse()) await fn()
}
process.exit(process.exitCode ?? 0)
