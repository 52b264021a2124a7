// The admin app's personal-data pages over HTTP: admins only, export as a
// JSON download, erase only with the CSRF token and the MAC or number typed
// again, never while the device is online; all audited.
import t from 'tap'
import { dbKinds } from '../helpers/databases.js'
import { adminFixture } from '../admin/setup.js'
import { seedPeople } from './seed.js'

for (const kind of dbKinds()) {
  t.test(`personal data pages on ${kind}`, async (t) => {
    const f = await adminFixture(t, kind)
    const s = await seedPeople(f.ctx)
    const prisma = f.ctx.db.prisma
    const admin = f.as.admin
    const exports = () => prisma.auditEvent.count({ where: { action: 'person.export' } })

    const home = await admin.get('/privacy')
    t.equal(home.status, 200)
    t.match(home.text, 'RETENTION_SESSIONS_DAYS')
    t.match(home.text, 'href="/privacy"', 'in the navigation for admins')
    for (const role of ['operator', 'viewer'] as const) {
      const r = await f.as[role].get(`/privacy/export?mac=${s.newMac}`)
      t.equal(r.status, 403, `${role}: refused`)
      t.notMatch((await f.as[role].get('/')).text, 'href="/privacy"', `no link for ${role}`)
    }
    t.equal(await exports(), 0, 'a refused request looked nothing up')

    const person = await admin.get(`/privacy/person?mac=${encodeURIComponent(s.newMac.toLowerCase())}`)
    t.equal(person.status, 200)
    t.match(person.text, 'data-test="person-counts"')
    t.match(person.text, s.newMac)

    const file = await admin.get('/privacy/export?phone=0912345678')
    t.equal(file.status, 200)
    t.match(file.headers.get('content-disposition'), /^attachment; filename="citywifi-person-\d{4}-\d\d-\d\d\.json"$/)
    const data = JSON.parse(file.text)
    t.same(data.devices.map((d: { mac: string }) => d.mac), [s.newMac])
    t.equal(data.sessions.length, 2)
    t.equal(await exports(), 2)

    const bad = await admin.get('/privacy/person?mac=nonsense')
    t.equal(bad.status, 400)
    t.match(bad.text, 'Không phải địa chỉ MAC')

    // A forged form from another site carries no CSRF token.
    const forged = await admin.request('POST', '/privacy/erase', { mac: s.newMac, confirm: s.newMac })
    t.equal(forged.status, 403, 'no CSRF token: refused')
    const mismatch = await admin.post('/privacy/erase', { mac: s.newMac, confirm: 'yes' }, `/privacy/erase?mac=${s.newMac}`)
    t.equal(mismatch.status, 400, 'not typed again: refused')
    const online = await admin.post('/privacy/erase', { mac: s.onlineMac, confirm: s.onlineMac }, `/privacy/erase?mac=${s.onlineMac}`)
    t.equal(online.status, 409, 'online: refused')
    t.equal(await prisma.device.count(), 3, 'nothing erased so far')
    t.equal(await prisma.auditEvent.count({ where: { action: 'person.erase' } }), 0)

    const page = await admin.get(`/privacy/erase?mac=${s.newMac}`)
    t.match(page.text, 'data-test="erase-confirm"')
    const done = await admin.post('/privacy/erase', { mac: s.newMac, confirm: s.newMac })
    t.equal(done.status, 200, done.text.slice(0, 300))
    t.match(done.text, 'data-test="erased"')
    t.equal(await prisma.device.count({ where: { mac: s.newMac } }), 0)
    t.equal(await prisma.session.count({ where: { username: 'erased' } }), 2)
    const audit = await prisma.auditEvent.findFirst({ where: { action: 'person.erase' } })
    t.match(audit, { actor: /admin1/, target: s.newMac, ip: '127.0.0.1', detail: { devices: 1, sessionsAnonymised: 2 } })
  })
}
