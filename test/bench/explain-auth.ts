// Where PostgreSQL spends a first login: EXPLAIN (ANALYZE, BUFFERS) of each
// statement the login path runs (core/auth/store.ts) and of accounting's
// batch statements (core/accounting/apply.ts), on a seeded database grown to
// --sessions sessions (most stopped, --open open), so that a plan whose cost
// grows with the tables shows as a sequential scan or a large buffer count.
//   node --import tsx test/bench/explain-auth.ts [--sessions 1000000] [--open 20000] [--keep]
import { parseArgs } from 'node:util'
import pg from 'pg'
import { prepareDatabase } from './citywifi-server.js'
import { CONSENTED_MACS, CREDENTIAL_MACS, macOf } from './radius-load.js'

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '1000000' },
    open: { type: 'string', default: '20000' },
    keep: { type: 'boolean', default: false },
  },
})
const SESSIONS = Number(values.sessions)
const OPEN = Number(values.open)
const USERS = 10_000

const t0 = Date.now()
const db = await prepareDatabase('postgres', { vouchers: USERS, freshVouchers: 1000, credentials: 1000, consented: 1000 })
const c = new pg.Client({ connectionString: db.env.DATABASE_URL })
await c.connect()
try {
  // Sessions of the bound vouchers' devices: SESSIONS in all, the last OPEN of them open.
  await c.query(
    `INSERT INTO "Session" ("nasId", "siteId", "acctSessionId", username, "deviceId", "voucherId", "startedAt", "updatedAt", "stoppedAt", method)
     SELECT nas.id, nas."siteId", 'h' || g, v.code, vd."deviceId", v.id, now() - interval '1 day', now(),
       CASE WHEN g > $1 - $2 THEN NULL ELSE now() END, 'voucher'
     FROM generate_series(1, $1) g
     JOIN LATERAL (SELECT id, code FROM "Voucher" WHERE id = 1 + (g % $3)) v ON true
     JOIN "VoucherDevice" vd ON vd."voucherId" = v.id
     CROSS JOIN (SELECT id, "siteId" FROM "AccessPoint" LIMIT 1) nas`,
    [SESSIONS, OPEN, USERS],
  )
  // A month of daily usage for every bound device: the quota reads must probe it by index.
  await c.query(
    `INSERT INTO "DeviceUsageDaily" ("deviceId", day, seconds, octets)
     SELECT vd."deviceId", current_date - g, 600, 1000000 FROM "VoucherDevice" vd CROSS JOIN generate_series(0, 29) g ON CONFLICT DO NOTHING`,
  )
  await c.query('ANALYZE')
  console.log(`seeded ${SESSIONS.toLocaleString('en-US')} sessions (${OPEN.toLocaleString('en-US')} open) in ${((Date.now() - t0) / 1000).toFixed(0)} s`)

  const explain = async (name: string, sql: string, params: unknown[]) => {
    await c.query('BEGIN')
    try {
      const { rows } = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params)
      const plan = rows.map((r) => r['QUERY PLAN'])
      const seq = plan.filter((l) => /Seq Scan/.test(l)).map((l) => l.trim().replace(/\s+\(actual.*/, ''))
      const time = plan.find((l) => /Execution Time/.test(l))?.trim()
      const buffers = plan.find((l) => /Buffers:/.test(l))?.trim()
      console.log(`\n## ${name}: ${time}; top ${buffers ?? 'no buffers line'}${seq.length ? `; SEQUENTIAL: ${seq.join(', ')}` : ''}`)
      if (process.env.EXPLAIN_FULL) console.log(plan.join('\n'))
    } finally {
      await c.query('ROLLBACK')
    }
  }
  const store = await import('../../core/auth/store.js')
  const sqls = store.AUTH_SQL
  const day = new Date().toISOString().slice(0, 10)
  const month = `${day.slice(0, 8)}01`
  const bound = db.codes.slice(0, 64)
  const fresh = db.fresh.slice(0, 64)
  const freshMacs = fresh.map((_, j) => macOf(USERS + j))
  const days = fresh.map(() => day)
  const months = fresh.map(() => month)
  await explain('voucher read, old (one voucher)', sqls.VOUCHER_SQL, [bound[0]])
  await explain('device read, old (one MAC)', sqls.DEVICE_SQL, [macOf(0), day, month])
  await explain('voucher + device batch of 64 (new devices)', sqls.VOUCHERS_BATCH_SQL, [fresh, freshMacs, days, months])
  await explain('voucher + device batch of 64 (bound, with sessions)', sqls.VOUCHERS_BATCH_SQL, [bound, bound.map((_, j) => macOf(j)), days, months])
  await explain('credential + device batch of 64', sqls.CREDENTIALS_BATCH_SQL, [db.credentials.slice(0, 64).map((x) => x.username), days, months])
  await explain('device batch of 64 (consented MACs)', sqls.DEVICES_BATCH_SQL, [db.consented.slice(0, 64), days, months])
  const vids = (await c.query<{ id: number }>(`SELECT id FROM "Voucher" WHERE code = ANY($1) ORDER BY id`, [fresh])).rows.map((r) => r.id)
  await explain('bind batch of 64', sqls.BIND_BATCH_SQL, [vids, freshMacs.slice(0, vids.length), vids.map(() => 1)])
  const nowIso = new Date().toISOString()
  const n64 = (v: unknown) => fresh.map(() => v)
  // Policy per row as a default site's: 1 at once, an hour a session, no quotas.
  await explain('claim batch of 64 (read, check, take the place: new devices)', sqls.CLAIM_BATCH_SQL, [
    fresh, freshMacs, days, months, n64(null), n64(nowIso), n64(1), n64(3600), n64(null), n64(null), n64(null), n64(null), n64(null),
  ])
  await explain('claim batch of 64 (bound, with sessions)', sqls.CLAIM_BATCH_SQL, [
    bound, bound.map((_, j) => macOf(j)), days, months, n64(null), n64(nowIso), n64(1), n64(3600), n64(null), n64(null), n64(null), n64(null), n64(null),
  ])
  const cids = (await c.query<{ id: number }>(`SELECT id FROM "Credential" ORDER BY id LIMIT 64`)).rows.map((r) => r.id)
  await explain('mark credentials used, batch of 64', sqls.MARK_USED_BATCH_SQL, [cids, new Date().toISOString()])
  void CREDENTIAL_MACS
  void CONSENTED_MACS

  const acct = await import('../../core/accounting/apply.js')
  const a = acct.ACCOUNTING_SQL
  if (a) {
    const nas = (await c.query<{ id: number }>(`SELECT id FROM "AccessPoint" LIMIT 1`)).rows[0]!.id
    const keys = JSON.stringify(Array.from({ length: 256 }, (_, i) => ({ n: nas, a: `h${SESSIONS - i}` })))
    await explain('accounting: device ids of 256 MACs', a.DEVICE_IDS, [JSON.stringify(Array.from({ length: 256 }, (_, i) => ({ mac: macOf(i) })))])
    await explain('accounting: lock previous of 256 sessions', a.LOCK_PREVIOUS, [keys])
  }
} finally {
  await c.end()
  if (!values.keep) await db.remove()
  else console.log(`kept ${db.env.DATABASE_URL}`)
}
