// Signing in as an attacker would try it: wrong and unknown passwords alike,
// lockout per account and per address, the rate limit, CSRF, cookie flags,
// idle and absolute expiry, a disabled account, a changed password.
import t from 'tap'
import { LOCKOUT_ACCOUNT_FAILURES, LOCKOUT_ADDRESS_FAILURES } from '../../core/services/admin-sessions.js'
import { updateStaff } from '../../core/services/staff.js'
import { dbKinds } from '../helpers/databases.js'
import { adminFixture, Browser, PASSWORD } from './setup.js'

const kind = dbKinds()[0]!

/** A browser whose requests come through the trusted proxy from `ip` (TRUST_PROXY: 127.0.0.1). */
function from(b: Browser, ip: string, proto = 'http') {
  const h = { 'x-forwarded-for': ip, 'x-forwarded-proto': proto }
  return {
    get: (path: string) => b.get(path, h),
    login: async (username: string, password: string) => {
      await b.get('/login', h)
      return b.request('POST', '/login', { _csrf: b.csrf, username, password }, h)
    },
  }
}

const body = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, '').replace(/<input type="text" id="f-username"[^>]*>/, '')

for (const kind of dbKinds()) {
  t.test(`signing in on ${kind}`, async (t) => {
    const f = await adminFixture(t, kind)
    const prisma = f.ctx.db.prisma

    t.test('a wrong password and an unknown user get the same answer and no session', async (t) => {
      const a = from(f.browser(), '10.0.0.1')
      const wrong = await a.login('admin1', 'not the password')
      const b = from(f.browser(), '10.0.0.1')
      const unknown = await b.login('nobody-here', 'not the password')
      t.equal(wrong.status, 401)
      t.equal(unknown.status, 401)
      t.match(wrong.text, 'Tên đăng nhập hoặc mật khẩu không đúng.')
      t.equal(body(wrong.text), body(unknown.text), 'the same page')
      t.notOk(wrong.headers.getSetCookie().some((c) => c.startsWith('cw_session=')), 'no session cookie')
      t.equal(await prisma.adminSession.count({ where: { user: { username: 'admin1' } } }), 1, "only the fixture's own session")
      const logged = await prisma.auditEvent.findMany({ where: { action: 'login.failed' }, orderBy: { id: 'asc' } })
      t.match(logged.map((e) => e.detail), [{ why: 'wrong password' }, { why: 'unknown user' }], 'the audit log says which')
      t.equal(logged[0]!.ip, '10.0.0.1', 'from where, through the trusted proxy')
    })

    t.test('the session cookie', async (t) => {
      const plain = await from(f.browser(), '10.0.0.2').login('operator1', PASSWORD)
      const cookie = plain.headers.getSetCookie().find((c) => c.startsWith('cw_session='))!
      t.equal(plain.status, 303)
      t.match(cookie, /; HttpOnly/)
      t.match(cookie, /; SameSite=Strict/)
      t.notMatch(cookie, /; Secure/, 'plain http on the LAN')
      const tls = await from(f.browser(), '10.0.0.2', 'https').login('operator1', PASSWORD)
      t.match(tls.headers.getSetCookie().find((c) => c.startsWith('cw_session=')), /; Secure/, 'Secure when the TLS proxy says https')
      const token = cookie.split(';')[0]!.split('=')[1]!
      t.notOk(await prisma.adminSession.findFirst({ where: { id: token } }), 'the database keeps a hash, not the token')
    })

    t.test('lockout per account', async (t) => {
      const b = from(f.browser(), '10.0.1.1')
      for (let i = 0; i < LOCKOUT_ACCOUNT_FAILURES; i++) t.equal((await b.login('viewer1', `wrong-${i}`)).status, 401)
      const locked = await from(f.browser(), '10.0.1.2').login('viewer1', PASSWORD)
      t.equal(locked.status, 429, 'the right password is refused while locked, from any address')
      t.match(locked.text, 'Đăng nhập sai quá nhiều lần')
      t.ok(Number(locked.headers.get('retry-after')) > 0)
      t.equal((await from(f.browser(), '10.0.1.2').login('operator1', PASSWORD)).status, 303, 'other accounts are not locked')
      await prisma.adminLoginFailure.updateMany({ where: { username: 'viewer1' }, data: { at: new Date(Date.now() - 16 * 60_000) } })
      t.equal((await from(f.browser(), '10.0.1.2').login('viewer1', PASSWORD)).status, 303, 'open again after the window')
      t.ok(await prisma.auditEvent.findFirst({ where: { action: 'login.locked' } }))
    })

    t.test('lockout per address', async (t) => {
      await prisma.adminLoginFailure.createMany({ data: Array.from({ length: LOCKOUT_ADDRESS_FAILURES }, (_, i) => ({ username: `guess${i}`, ip: '10.0.2.1' })) })
      t.equal((await from(f.browser(), '10.0.2.1').login('admin1', PASSWORD)).status, 429, 'that address is locked out, even for a good account')
      t.equal((await from(f.browser(), '10.0.2.2').login('admin1', PASSWORD)).status, 303, 'another address is not')
    })

    t.test('the rate limit per address', async (t) => {
      const statuses: number[] = []
      for (let i = 0; i < 12; i++) {
        const b = f.browser()
        await b.get('/login', { 'x-forwarded-for': '10.0.3.1' })
        statuses.push((await b.request('POST', '/login', { _csrf: b.csrf, username: `u${i}`, password: 'x' }, { 'x-forwarded-for': '10.0.3.1' })).status)
      }
      t.same(statuses.slice(0, 10), Array(10).fill(401))
      t.equal(statuses[11], 429, 'more than 10 a minute from one address')
    })

    t.test('CSRF on every change', async (t) => {
      const b = f.as.operator
      const before = await prisma.site.count()
      const none = await b.request('POST', '/sites', { name: 'Không có token' })
      t.equal(none.status, 403)
      t.match(none.text, 'data-test="csrf"')
      const other = f.browser()
      await other.get('/login')
      const foreign = await b.request('POST', '/sites', { name: 'Token của người khác', _csrf: other.csrf })
      t.equal(foreign.status, 403, "another browser's token does not do")
      const login = await f.browser().request('POST', '/login', { username: 'admin1', password: PASSWORD })
      t.equal(login.status, 403, 'the sign-in form too (login CSRF)')
      t.equal(await prisma.site.count(), before, 'nothing was created')
      const ok = await b.post('/sites', { name: 'Có token' }, '/sites/new')
      t.equal(ok.status, 303)
    })

    t.test('idle and absolute expiry, a disabled account, a changed password, signing out', async (t) => {
      const b = f.browser()
      await b.login('operator1', PASSWORD)
      t.equal((await b.get('/sites')).status, 200)
      await prisma.adminSession.updateMany({ where: { user: { username: 'operator1' } }, data: { lastSeenAt: new Date(Date.now() - 31 * 60_000) } })
      t.equal((await b.get('/sites')).status, 303, 'idle for 31 minutes: signed out')

      await b.login('operator1', PASSWORD)
      await prisma.adminSession.updateMany({ where: { user: { username: 'operator1' } }, data: { expiresAt: new Date(Date.now() - 1000) } })
      t.equal((await b.get('/sites')).status, 303, 'past the absolute end: signed out')

      const first = f.browser()
      const second = f.browser()
      await first.login('operator1', PASSWORD)
      await second.login('operator1', PASSWORD)
      const changed = await first.post('/account/password', { current: PASSWORD, next: 'a brand new password' }, '/account')
      t.match(changed.text, 'data-test="password-changed"')
      t.equal((await first.get('/sites')).status, 200, 'this session goes on')
      t.equal((await second.get('/sites')).status, 303, 'the other one is signed out')
      const wrong = await first.post('/account/password', { current: 'not it', next: 'another new password' }, '/account')
      t.equal(wrong.status, 400)
      t.match(wrong.text, /data-test="error-current">Mật khẩu hiện tại không đúng./)

      const id = (await prisma.adminUser.findUniqueOrThrow({ where: { username: 'operator1' } })).id
      await updateStaff(prisma, id, { disabled: true }, 'test')
      t.equal((await first.get('/sites')).status, 303, 'a disabled account is signed out at once')
      t.equal((await from(f.browser(), '10.0.4.1').login('operator1', 'a brand new password')).status, 401, 'and cannot sign in')

      const out = f.browser()
      await out.login('admin1', PASSWORD)
      t.equal((await out.post('/logout', {}, '/account')).status, 303)
      t.equal((await out.get('/')).status, 303)
    })
  })
}

t.test('after sign-in, back to the page asked for, never to another site', async (t) => {
  const f = await adminFixture(t, kind)
  const b = f.browser()
  t.match((await b.get('/vouchers?state=unused')).location, '/login?next=%2Fvouchers%3Fstate%3Dunused')
  await b.get('/login?next=%2Fvouchers%3Fstate%3Dunused')
  const r = await b.request('POST', '/login', { _csrf: b.csrf, username: 'operator1', password: PASSWORD, next: '/vouchers?state=unused' })
  t.equal(r.location, '/vouchers?state=unused')
  const evil = f.browser()
  await evil.get('/login', { 'x-forwarded-for': '10.0.9.9' })
  const e = await evil.request('POST', '/login', { _csrf: evil.csrf, username: 'operator1', password: PASSWORD, next: '//evil.example/' }, { 'x-forwarded-for': '10.0.9.9' })
  t.equal(e.location, '/', 'an open redirect is refused')
})
