// Issue #12 item 4: while the database is away the portal answers 503 with
// Retry-After and a page saying, in Vietnamese then English, that WiFi login
// is briefly unavailable; never 500. When the database returns, pages work
// again without a restart. PostgreSQL: the test closes its own database to
// connections and ends the portal's sessions (what a restart or failover does).
import pg from 'pg'
import t from 'tap'
import { FakeCoovaChilli } from '../fakes/coovachilli.js'
import { dbKinds, TEST_DATABASE_URL } from '../helpers/databases.js'
import { formFields, startPortalFor, UAM_SECRET } from './setup.js'

const NO_RADIUS = { host: '127.0.0.1', port: 9, secret: 'unused-secret-000' }

async function get(url: string) {
  const res = await fetch(url, { redirect: 'manual' })
  return { res, html: await res.text() }
}

t.test('postgres: the 503 page during a database outage', { skip: dbKinds().includes('postgres') ? false : 'PostgreSQL is not among CITYWIFI_TEST_DB' }, async (t) => {
  const p = await startPortalFor(t, 'postgres')
  const chilli = await new FakeCoovaChilli({ portalUrl: `${p.url}/`, nasId: p.nas.name, uamSecret: UAM_SECRET, radius: NO_RADIUS, clientMac: 'aa:bb:cc:dd:ee:42' }).start()
  t.teardown(() => chilli.close())
  const first = await get(chilli.redirectUrl('notyet'))
  t.equal(first.res.status, 200, 'before the outage')
  const fields = formFields(first.html, 'click-form')

  const dbName = new URL(p.ctx.config.databaseUrl!).pathname.slice(1)
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await admin.connect()
  const reopen = () => admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS true`)
  t.teardown(async () => {
    await reopen().catch(() => {})
    await admin.end()
  })
  await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS false`)
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName])

  const pages: [string, () => Promise<Response>][] = [
    ['a NAS redirect', () => fetch(chilli.redirectUrl('notyet'), { redirect: 'manual' })],
    ['the click-through POST', () => fetch(`${p.url}/login`, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
    ['the status page by address', () => fetch(`${p.url}/status`, { redirect: 'manual' })],
  ]
  for (const [label, request] of pages) {
    const res = await request()
    const html = await res.text()
    t.equal(res.status, 503, `${label}: 503`)
    t.equal(res.headers.get('retry-after'), '30', `${label}: Retry-After`)
    const vi = html.indexOf('Đăng nhập WiFi tạm thời gián đoạn')
    const en = html.indexOf('WiFi login is briefly unavailable')
    t.ok(vi >= 0 && en > vi, `${label}: Vietnamese, then English`)
    t.notMatch(html, /Đã có lỗi/, `${label}: not the error page`)
  }

  // The site is cached: its links still lead on (the click is not counted).
  t.equal((await fetch(`${p.url}/go/${p.site.id}/dichvucong`, { redirect: 'manual' })).status, 302, 'a site link still works')

  await reopen()
  let after = 0
  for (let i = 0; i < 50 && after !== 200; i++) {
    after = (await get(chilli.redirectUrl('notyet'))).res.status
    if (after !== 200) await new Promise((r) => setTimeout(r, 200))
  }
  t.equal(after, 200, 'the splash again once the database is back, without a restart')
})
