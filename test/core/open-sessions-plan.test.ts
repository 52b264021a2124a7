// A voucher's open sessions are read on every voucher login and every
// accounting Start of a session this copy did not log in. Statistics taken
// while (almost) no session was open — a night, a fresh start, the ANALYZE
// sample missing the few open ones among millions — say that none ever is;
// the planner then read "stoppedAt IS NULL" through the stoppedAt index and
// filtered every open session of the network by voucher (375 ms against
// 1.8 ms for two vouchers at 2 M sessions, 44,000 open; docs/performance.md).
// Here: such statistics, then sessions opened, and the plans of the
// statements that read a voucher's open sessions must go by voucher.
import t from 'tap'
import { AUTH_SQL } from '../../core/auth/store.js'
import { addNas } from '../../core/services/nas.js'
import { addSite } from '../../core/services/sites.js'
import { testContext } from '../helpers/app.js'
import { dbKinds } from '../helpers/databases.js'

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  Plans?: PlanNode[]
}

function sessionScans(node: PlanNode, out: string[] = []): string[] {
  if (node['Relation Name'] === 'Session') out.push(node['Index Name'] ?? node['Node Type'])
  for (const p of node.Plans ?? []) sessionScans(p, out)
  return out
}

for (const kind of dbKinds()) {
  t.test(`a voucher's open sessions are read by voucher, whatever the statistics say, on ${kind}`, async (t) => {
    const { ctx } = await testContext(t, kind)
    const site = await addSite(ctx.db.prisma, { name: 'A' }, 'test')
    await addNas(ctx.db.prisma, ctx.secrets, { site: site.name, name: 'nas-a', address: '127.0.0.1', secret: 'testing-secret-123456', vendor: 'coovachilli' }, 'test')
    const q = (sql: string, params: unknown[] = []) => ctx.db.pool.query(sql, params)
    const nas = (await q(`SELECT id FROM "AccessPoint" WHERE name = 'nas-a'`)).rows[0].id as number
    await q(`INSERT INTO "Voucher" (code) SELECT 'V' || g FROM generate_series(1, 500) g`)
    // History: closed sessions only, analysed so.
    await q(
      `INSERT INTO "Session" ("nasId", "siteId", "acctSessionId", username, "startedAt", "updatedAt", "stoppedAt")
       SELECT $1, $2, 'h' || g, 'u' || (g % 1000), now() - interval '30 days', now() - interval '30 days', now() - interval '30 days'
       FROM generate_series(1, 20000) g`,
      [nas, site.id],
    )
    await q('ANALYZE "Session"')
    // Then a busy day: sessions of vouchers open.
    await q(
      `INSERT INTO "Session" ("nasId", "siteId", "acctSessionId", username, "voucherId", "startedAt", "updatedAt")
       SELECT $1, $2, 'o' || g, 'V' || (1 + g % 500), 1 + g % 500, now(), now() FROM generate_series(1, 3000) g`,
      [nas, site.id],
    )
    const explain = async (sql: string, params: unknown[]) => {
      const r = await q(`EXPLAIN (FORMAT JSON) ${sql}`, params)
      return sessionScans((r.rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan)
    }
    const day = new Date().toISOString().slice(0, 10)
    const month = `${day.slice(0, 7)}-01`
    const plans = {
      VOUCHER_SQL: await explain(AUTH_SQL.VOUCHER_SQL, ['V7']),
      VOUCHERS_BATCH_SQL: await explain(AUTH_SQL.VOUCHERS_BATCH_SQL, [['V7', 'V8'], ['02-00-00-00-00-01', null], [day, day], [month, month]]),
    }
    for (const [name, scans] of Object.entries(plans)) {
      t.ok(scans.length > 0, `${name} reads Session`)
      t.same(scans.filter((s) => s !== 'Session_voucherId_stoppedAt_idx'), [], `${name}: Session only by voucher (${scans.join(', ')})`)
    }
    // And the answer is right: V7's open sessions (g = 6, 506, … < 3000: six of them).
    const open = (await q(AUTH_SQL.VOUCHER_SQL, ['V7'])).rows[0].open as string[]
    t.equal(open.length, 6, 'the open sessions of V7 are all found')
  })
}
