// The portal over a real socket, driven the way NAS redirects and phone
// browsers drive it (no RADIUS here: test/e2e/ goes through it). Both databases.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { createLogger } from '../../core/logger.js'
import { createVouchers } from '../../core/services/vouchers.js'
import { coovaChapResponse } from '../../portal/nas/coovachilli.js'
import { CAPTIVE_API_PATH } from '../../portal/routes/status.js'
import { FakeCoovaChilli } from '../fakes/coovachilli.js'
import { FakeMikrotik } from '../fakes/mikrotik.js'
import { FakeOpenNds } from '../fakes/opennds.js'
import { dbKinds } from '../helpers/databases.js'
import { UAM_SECRET, formFields, postForm, startPortalFor, type PortalSetup, type SetupOptions } from './setup.js'

const MAC = 'aa:bb:cc:dd:ee:01'
const NO_RADIUS = { host: '127.0.0.1', port: 9, secret: 'unused-secret-000' }

async function coova(t: Test, p: PortalSetup, opts: { uamSecret?: string; mac?: string } = {}) {
  const chilli = await new FakeCoovaChilli({ portalUrl: `${p.url}/`, nasId: p.nas.name, uamSecret: opts.uamSecret ?? UAM_SECRET, radius: NO_RADIUS, clientMac: opts.mac ?? MAC }).start()
  t.teardown(() => chilli.close())
  return chilli
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { redirect: 'manual', headers })
  return { res, html: await res.text() }
}

const main = (html: string) => html.slice(html.indexOf('<main'), html.indexOf('</main>'))

for (const kind of dbKinds()) {
  t.test(`${kind}: the splash page from a CoovaChilli redirect`, async (t) => {
    const p = await startPortalFor(t, kind)
    const chilli = await coova(t, p)
    const { res, html } = await get(chilli.redirectUrl('notyet', { userurl: 'http://example.org/' }))
    t.equal(res.status, 200)
    t.match(html, /<html lang="vi">/)
    t.match(html, /Kết nối miễn phí/)
    t.match(html, /Bộ phận một cửa phường Bến Nghé/)
    t.match(html, /45 phút/, 'the policy\'s session length')
    t.match(html, /phiên bản 2026-11-v1/, 'the terms version')
    t.match(html, /autocomplete="tel"/)
    t.match(html, /href="\/go\/\d+\/dichvucong"/, 'links go through the counter')
    t.notMatch(html, /<script/i, 'no script on the splash')
    t.notMatch(html, /(src|href)="(https?:)?\/\//, 'nothing from elsewhere')
    const csp = res.headers.get('content-security-policy') ?? ''
    t.match(csp, /default-src 'none'/)
    t.match(csp, new RegExp(`form-action 'self' ${chilli.url.replace(/[.:/]/g, '\\$&')}`), 'forms may go on to the NAS')
    t.equal(res.headers.get('cache-control'), 'no-store')
    t.equal(res.headers.get('set-cookie'), null, 'no cookie')

    // Page weight: the HTML and everything it loads.
    const assets = [...html.matchAll(/(?:href|src)="(\/(?:static|logo)\/[^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'))
    t.ok(assets.some((a) => a.includes('.css')), 'a stylesheet')
    let bytes = Buffer.byteLength(html)
    for (const a of assets) {
      const r = await fetch(p.url + a)
      t.equal(r.status, 200, a)
      bytes += (await r.arrayBuffer()).byteLength
      t.match(r.headers.get('cache-control') ?? '', /immutable/, `${a} is cached`)
    }
    t.ok(bytes < 30 * 1024, `splash with CSS and images: ${bytes} bytes < 30 KB`)

    t.match(await p.ctx.metrics.metrics(), /citywifi_portal_pages_total\{page="splash"\} 1/, 'counted in /metrics, by page only')

    const en = await get(chilli.redirectUrl('notyet'), { 'accept-language': 'en-US,en;q=0.9' })
    t.match(en.html, /<html lang="en">/)
    t.match(en.html, /Connect for free/)
    const toggle = /href="([^"]+)"[^>]*data-test="lang-toggle"/.exec(html)![1]!.replace(/&amp;/g, '&')
    const toggled = await get(p.url + toggle)
    t.match(toggled.html, /Connect for free/, 'the toggle switches to English')
  })

  t.test(`${kind}: redirects that are not right get a clear page, not a crash`, async (t) => {
    const p = await startPortalFor(t, kind)
    const chilli = await coova(t, p)
    const good = chilli.redirectUrl('notyet')
    const tampered = await get(good.replace('mac=aa%3abb', 'mac=aa%3abc'))
    t.equal(tampered.res.status, 400, 'md does not match a changed MAC')
    t.match(tampered.html, /Liên kết từ điểm truy cập không hợp lệ/)
    const wrongSecret = await coova(t, p, { uamSecret: 'not-the-secret' })
    t.equal((await get(wrongSecret.redirectUrl('notyet'))).res.status, 400, 'md with another UAM secret')
    const unknown = await get(good.replace(`nasid=${p.nas.name}`, 'nasid=ghost-ap'))
    t.equal(unknown.res.status, 403)
    t.match(unknown.html, /ghost-ap/)
    t.match(unknown.html, /chưa được đăng ký/)
    const direct = await get(`${p.url}/`)
    t.equal(direct.res.status, 200)
    t.match(direct.html, /mở một trang web bất kỳ/)
    const expired = await get(`${p.url}/?c=eyJ4IjoxfQ.forged`)
    t.equal(expired.res.status, 400)
    t.match(expired.html, /Trang đã hết hạn/)
    const missing = await get(`${p.url}/?res=notyet&uamip=127.0.0.1&uamport=3990&nasid=${p.nas.name}`)
    t.equal(missing.res.status, 400, 'no MAC, no challenge')
    // fetch() will not send another Host: node:http will.
    const foreign = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(p.url)
      http
        .get({ host: u.hostname, port: u.port, path: '/generate_204', headers: { host: 'connectivitycheck.gstatic.com' } }, (res) => {
          let body = ''
          res.on('data', (d: Buffer) => (body += d.toString()))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        })
        .on('error', reject)
    })
    t.equal(foreign.status, 511, 'a request for another host: Network Authentication Required')
    t.match(foreign.body, new RegExp(p.url.replace(/[.:/]/g, '\\$&')))
    t.equal((await get(`${p.url}/nothing-here`)).res.status, 404)
  })

  t.test(`${kind}: click-through records one consent and sends the browser to chilli's logon with CHAP`, async (t) => {
    const p = await startPortalFor(t, kind)
    const chilli = await coova(t, p)
    const { html } = await get(chilli.redirectUrl('notyet', { userurl: 'http://example.org/' }))
    const fields = formFields(html, 'click-form')
    const first = await postForm(`${p.url}/login`, fields)
    t.equal(first.status, 303)
    const logon = new URL(first.headers.get('location')!)
    t.equal(`${logon.origin}${logon.pathname}`, `${chilli.url}/logon`)
    const username = logon.searchParams.get('username')!
    t.match(username, /^cw-/)
    const cred = await p.ctx.db.prisma.credential.findUniqueOrThrow({ where: { username }, include: { device: true, consent: { include: { terms: true } } } })
    t.equal(logon.searchParams.get('response'), coovaChapResponse(chilli.challenge, p.ctx.secrets.decrypt(cred.passwordEnc), UAM_SECRET), 'CHAP over the challenge and UAM secret')
    t.equal(logon.searchParams.get('userurl'), 'http://example.org/')
    t.equal(cred.device.mac, 'AA-BB-CC-DD-EE-01')
    t.equal(cred.nasId, p.nas.id)
    t.equal(cred.consent?.method, 'click_through')
    t.equal(cred.consent?.terms.version, '2026-11-v1')
    t.equal(cred.consent?.siteId, p.site.id)

    const again = await postForm(`${p.url}/login`, fields)
    t.equal(again.status, 303)
    t.equal(new URL(again.headers.get('location')!).searchParams.get('username'), username, 'a repeated submit: the same credential')
    t.equal(await p.ctx.db.prisma.consent.count(), 1, 'one consent')
    t.equal(await p.ctx.db.prisma.credential.count(), 1, 'one credential')
  })

  t.test(`${kind}: every POST needs its CSRF token and a same-site origin`, async (t) => {
    const p = await startPortalFor(t, kind)
    const chilli = await coova(t, p)
    const { html } = await get(chilli.redirectUrl('notyet'))
    const fields = formFields(html, 'click-form')
    const noToken = await postForm(`${p.url}/login`, { ...fields, t: '' })
    t.equal(noToken.status, 403)
    t.match(await noToken.text(), /Trang đã quá hạn/)
    t.equal((await postForm(`${p.url}/login`, { ...fields, k: 'A'.repeat(22) })).status, 403, 'a token of another form')
    t.equal((await postForm(`${p.url}/login`, fields, { origin: 'http://evil.example' })).status, 403, 'another site\'s form')
    t.equal((await postForm(`${p.url}/login`, fields, { 'sec-fetch-site': 'cross-site' })).status, 403)
    t.equal((await postForm(`${p.url}/login`, fields, { 'x-forwarded-for': '203.0.113.9' })).status, 403, 'a token minted for another address')
    t.equal((await postForm(`${p.url}/login`, { ...fields, c: fields.c!.slice(0, -3) + 'abc' })).status, 400, 'an altered context')
    t.equal(await p.ctx.db.prisma.consent.count(), 0, 'none of them recorded anything')
    t.equal((await postForm(`${p.url}/login`, fields, { origin: p.url })).status, 303, 'the real form still works')
  })

  t.test(`${kind}: vouchers — forgiving input, clear errors at the field, login with the code`, async (t) => {
    const p = await startPortalFor(t, kind)
    const chilli = await coova(t, p)
    const db = p.ctx.db.prisma
    const { vouchers } = await createVouchers(db, { site: p.site.name, count: 3, minutes: 60 }, 'test')
    const [good, expired, revoked] = vouchers.map((v) => v.code)
    await db.voucher.update({ where: { code: expired! }, data: { validUntil: new Date('2026-01-02T03:00:00Z') } })
    await db.voucher.update({ where: { code: revoked! }, data: { revokedAt: new Date() } })
    const fieldsOf = async (lang = 'vi') => formFields((await get(`${chilli.redirectUrl('notyet')}&lang=${lang}`)).html, 'voucher-form')

    const tries: [string, number, RegExp][] = [
      ['ABC', 400, /Mã truy cập gồm 10 ký tự/],
      ['KKKKKKKKKK', 400, /Không tìm thấy mã truy cập này/],
      [expired!, 400, /đã hết hạn ngày 2 tháng 1, 2026/],
      [revoked!, 400, /đã bị thu hồi/],
    ]
    for (const [code, status, message] of tries) {
      const res = await postForm(`${p.url}/login`, { ...(await fieldsOf()), method: 'voucher', code })
      t.equal(res.status, status, code)
      const html = await res.text()
      t.match(html, /data-test="code-error"/, 'the error is at the field')
      t.match(main(html), message)
      t.match(html, /aria-invalid="true"/)
      t.match(html, new RegExp(`value="${code}"`), 'what was typed stays')
    }
    const en = await postForm(`${p.url}/login`, { ...(await fieldsOf('en')), method: 'voucher', code: 'KKKKKKKKKK' })
    t.match(await en.text(), /This access code was not found/, 'in the person\'s language')

    // Lower case, dashes, spaces and a look-alike digit (2 for Z) are forgiven.
    const typed = good!.toLowerCase().replace(/z/g, '2').replace(/^(.{4})(.{3})/, '$1-$2 ')
    const ok = await postForm(`${p.url}/login`, { ...(await fieldsOf()), method: 'voucher', code: typed })
    t.equal(ok.status, 303, `typed as ${typed}`)
    const logon = new URL(ok.headers.get('location')!)
    t.equal(logon.searchParams.get('username'), good, 'User-Name is the code')
    t.equal(logon.searchParams.get('response'), coovaChapResponse(chilli.challenge, good!, UAM_SECRET), 'and so is the password')
    const consent = await db.consent.findFirstOrThrow()
    t.equal(consent.method, 'voucher')
  })

  t.test(`${kind}: phone verification — send, wrong code, right code, resend too soon, reopened browser`, async (t) => {
    const lines: string[] = []
    const log = createLogger('debug', new Writable({ write: (c, _e, cb) => (lines.push(c.toString()), cb()) }))
    const p = await startPortalFor(t, kind, { log })
    const chilli = await coova(t, p)
    const start = (await get(chilli.redirectUrl('notyet'))).html
    const bad = await postForm(`${p.url}/otp/send`, { ...formFields(start, 'otp-form'), phone: '0243 8251 234' })
    t.equal(bad.status, 400)
    const badHtml = await bad.text()
    t.match(badHtml, /data-test="phone-error"/)
    t.match(badHtml, /Số điện thoại không hợp lệ/)
    t.equal(p.sms.sent.length, 0)

    const sent = await postForm(`${p.url}/otp/send`, { ...formFields(start, 'otp-form'), phone: '091 234 5678' })
    t.equal(sent.status, 303)
    t.equal(p.sms.sent.length, 1)
    t.equal(p.sms.sent[0]!.to, '+84912345678')
    const code = p.sms.lastCode()!
    t.match(code, /^\d{6}$/)
    const codePage = (await get(p.url + sent.headers.get('location'))).html
    t.match(codePage, /autocomplete="one-time-code"/)
    t.match(codePage, /inputmode="numeric"/)
    t.match(codePage, /yêu cầu mã mới sau (5\d|60) giây/)

    const wrong = await postForm(`${p.url}/otp/verify`, { ...formFields(codePage, 'code-form'), code: code === '000000' ? '111111' : '000000' })
    t.equal(wrong.status, 400)
    t.match(await wrong.text(), /Mã không đúng. Bạn còn 4 lần thử./)
    const short = await postForm(`${p.url}/otp/verify`, { ...formFields(codePage, 'code-form'), code: '12' })
    t.match(await short.text(), /Mã xác thực gồm 6 chữ số/)

    const soon = await postForm(`${p.url}/otp/resend`, formFields(codePage, 'resend-form'))
    t.equal(soon.status, 429)
    t.match(await soon.text(), /Vui lòng đợi \d+ giây/)
    t.equal(p.sms.sent.length, 1, 'no second SMS')

    // The captive browser closed; the NAS redirects again: the code entry comes back.
    const reopened = (await get(chilli.redirectUrl('notyet'))).html
    t.match(reopened, /Bạn đang xác thực số điện thoại/)
    const ok = await postForm(`${p.url}/otp/verify`, { ...formFields(reopened, 'code-form'), code })
    t.equal(ok.status, 303)
    t.match(ok.headers.get('location')!, new RegExp(`^${chilli.url}/logon\\?username=cw-`))
    const consent = await p.ctx.db.prisma.consent.findFirstOrThrow()
    t.equal(consent.method, 'otp')
    t.equal(consent.phoneHash, p.ctx.secrets.hash('phone', '+84912345678'))

    const logged = lines.join('')
    t.notMatch(logged, /912345678|912 345 678/, 'no phone number in the log')
    t.notMatch(logged, new RegExp(code), 'no code in the log')
    t.notMatch(logged, /AA-BB-CC-DD-EE-01|aa:bb:cc:dd:ee:01/i, 'no MAC in the log')
  })

  t.test(`${kind}: SMS limits answer 429 in words; a gateway failure does not leave a phantom code`, async (t) => {
    const p = await startPortalFor(t, kind, { otpLimits: { phonePer15Min: 1, phonePerDay: 5, macPerHour: 5, sitePerHour: 50 } })
    const chilli = await coova(t, p)
    const send = async (phone: string) => postForm(`${p.url}/otp/send`, { ...formFields((await get(`${chilli.redirectUrl('notyet')}&full=1`)).html, 'otp-form'), phone })
    t.equal((await send('0912345678')).status, 303)
    const limited = await send('0912345678')
    t.equal(limited.status, 429)
    t.match(await limited.text(), /Đã gửi quá nhiều mã cho số này. Vui lòng thử lại sau \d+ phút/)
    p.sms.fail = true
    const failed = await send('0987654321')
    t.equal(failed.status, 502)
    t.match(await failed.text(), /Không gửi được tin nhắn/)
    const page = (await get(chilli.redirectUrl('notyet'))).html
    t.notMatch(page, /Bạn đang xác thực số điện thoại/, 'the undelivered code is not waiting for the person')
  })

  t.test(`${kind}: a returning device gets one tap`, async (t) => {
    const p = await startPortalFor(t, kind)
    const chilli = await coova(t, p)
    const first = await postForm(`${p.url}/login`, formFields((await get(chilli.redirectUrl('notyet'))).html, 'click-form'))
    t.equal(first.status, 303)
    const back = (await get(chilli.redirectUrl('notyet'))).html
    t.match(back, /Chào mừng bạn quay lại/)
    t.match(back, /data-test="return-form"/)
    t.notMatch(back, /data-test="otp-form"/)
    const tap = await postForm(`${p.url}/login`, formFields(back, 'return-form'))
    t.equal(tap.status, 303)
    t.match(tap.headers.get('location')!, /\/logon\?username=cw-/)
    t.equal(await p.ctx.db.prisma.consent.count(), 1, 'no new consent for the tap')
    const other = /href="([^"]+)"[^>]*data-test="other-ways"/.exec(back)![1]!.replace(/&amp;/g, '&')
    t.match((await get(p.url + other)).html, /data-test="voucher-form"/, 'every choice is one link away')
  })

  t.test(`${kind}: the Directive 66 mode asks every user for a phone number`, async (t) => {
    const p = await startPortalFor(t, kind, { site: { otpRequired: true, allowVoucher: false } })
    const chilli = await coova(t, p)
    const { html } = await get(chilli.redirectUrl('notyet'))
    t.notMatch(html, /data-test="click-form"/)
    t.notMatch(html, /data-test="voucher-form"/)
    t.match(html, /data-test="otp-form"/)
    t.match(html, /cần xác thực số điện thoại/)
    const forced = await postForm(`${p.url}/login`, { ...formFields(html, 'otp-form'), method: 'click' })
    t.equal(forced.status, 403, 'a hand-made click-through is refused')
    t.equal(await p.ctx.db.prisma.consent.count(), 0)
  })

  t.test(`${kind}: result pages — success, failure with the NAS's reason, logoff, status, log out`, async (t) => {
    const p = await startPortalFor(t, kind)
    const chilli = await coova(t, p)
    const failed = await get(chilli.redirectUrl('failed', { reply: 'Mã truy cập đã hết thời gian' }))
    t.equal(failed.res.status, 200)
    t.match(main(failed.html), /Chưa kết nối được/)
    t.match(main(failed.html), /Lý do: Mã truy cập đã hết thời gian/)
    t.match(failed.html, /data-test="click-form"/, 'and the way to try again')
    const xss = await get(chilli.redirectUrl('failed', { reply: '<script>alert(1)</script>' }))
    t.notMatch(xss.html, /<script>alert/, 'the reason is text, not markup')

    // The device logged in through the portal before (its row exists); the NAS's signed success redirect proves the login.
    await p.ctx.db.prisma.device.create({ data: { mac: 'AA-BB-CC-DD-EE-01' } })
    const ok = await get(chilli.redirectUrl('success', { timeleft: 5400, userurl: 'http://example.org/news' }))
    t.equal(ok.res.status, 200)
    t.match(ok.html, /Bạn đã kết nối Internet/)
    t.match(ok.html, /1 giờ 30 phút/)
    t.match(ok.html, /href="http:\/\/example.org\/news"[^>]*data-test="continue"/)
    const odd = await get(chilli.redirectUrl('success', { userurl: 'javascript:alert(1)' }))
    t.notMatch(odd.html, /href="javascript/, 'not a link')
    t.match(odd.html, /Trang bạn định mở: javascript:alert\(1\)/, 'shown as text')
    t.match(odd.html, /href="https:\/\/thanhpho.example.vn\/"/, 'the site\'s landing page instead')

    const statusUrl = /href="(\/status\?[^"]+)"/.exec(ok.html)![1]!.replace(/&amp;/g, '&')
    const status = await get(p.url + statusUrl)
    t.equal(status.res.status, 200)
    t.match(status.html, /data-test="time-left">45 phút/)
    t.match(status.html, /data-test="data-left">500 MB/)
    const logout = await postForm(`${p.url}/logout`, formFields(status.html, 'logout-form'))
    t.equal(logout.status, 303)
    t.equal(logout.headers.get('location'), `${chilli.url}/logoff`)
    t.equal((await get(`${p.url}/status`)).res.status, 511, 'no pass, no session at this address: 511')

    const off = await get(chilli.redirectUrl('logoff'))
    t.match(off.html, /Bạn đã đăng xuất/)
    t.match(off.html, /data-test="message-action"/, 'connect again')
    const already = await get(chilli.redirectUrl('already'))
    t.match(already.html, /Bạn đang kết nối Internet/)
  })

  t.test(`${kind}: MikroTik — the login form goes to link-login-only with the CHAP-hashed password`, async (t) => {
    const p = await startPortalFor(t, kind, { vendor: 'mikrotik', uamSecret: null })
    const mt = await new FakeMikrotik({ portalUrl: p.url, identity: p.nas.name, radius: NO_RADIUS, clientMac: MAC }).start()
    t.teardown(() => mt.close())
    const redirect = mt.redirectUrl('http://example.org/')
    const { res, html } = await get(redirect)
    t.equal(res.status, 200)
    t.match(res.headers.get('content-security-policy')!, new RegExp(`form-action 'self' ${mt.url.replace(/[.:/]/g, '\\$&')}`))
    const step = await postForm(`${p.url}/login`, formFields(html, 'click-form'))
    t.equal(step.status, 200)
    const page = await step.text()
    t.match(step.headers.get('content-security-policy')!, /script-src 'self'/, 'the auto-submit script, from the portal only')
    t.match(page, new RegExp(`action="${mt.url}/login"`))
    const f = formFields(page, 'nas-login')
    const cred = await p.ctx.db.prisma.credential.findUniqueOrThrow({ where: { username: f.username } })
    const q = new URL(redirect).searchParams
    const octal = (s: string) => Buffer.from(s.split('\\').filter(Boolean).map((o) => parseInt(o, 8)))
    const expected = createHash('md5').update(octal(q.get('chap-id')!)).update(p.ctx.secrets.decrypt(cred.passwordEnc)).update(octal(q.get('chap-challenge')!)).digest('hex')
    t.equal(f.password, expected)
    t.match(f.dst, new RegExp(`^${p.url}/done\\?c=`), 'back to the portal\'s result page')
    const done = await get(f.dst!)
    t.match(done.html, /Bạn đã kết nối Internet/)
    const err = await get(mt.redirectUrl('http://example.org/', 'RADIUS server is not responding'))
    t.match(main(err.html), /Lý do: RADIUS server is not responding/)
  })

  t.test(`${kind}: openNDS — tok from the FAS key, and the portal records the session`, async (t) => {
    const fasKey = 'fas-key-for-tests-1234'
    const p = await startPortalFor(t, kind, { vendor: 'opennds', uamSecret: fasKey, nasName: 'quan5-nds' })
    const nds = await new FakeOpenNds({ portalUrl: p.url, gatewayName: 'quan5-nds', fasKey, clientMac: MAC }).start()
    t.teardown(() => nds.close())
    const { res, html } = await get(nds.redirectUrl('http://example.org/'))
    t.equal(res.status, 200)
    const step = await postForm(`${p.url}/login`, formFields(html, 'click-form'))
    t.equal(step.status, 303)
    const auth = new URL(step.headers.get('location')!)
    t.equal(`${auth.origin}${auth.pathname}`, `${nds.url}/opennds_auth/`)
    t.equal(auth.searchParams.get('tok'), createHash('sha256').update(nds.hid + fasKey).digest('hex'))
    const gw = await fetch(auth, { redirect: 'manual' })
    t.equal(gw.status, 302, 'the fake gateway accepted the token')
    t.ok(nds.online)
    const session = await p.ctx.db.prisma.session.findFirstOrThrow()
    t.match(session, { nasId: p.nas.id, siteId: p.site.id, method: 'click_through', framedIp: '192.168.8.44', stoppedAt: null })
    t.equal(session.acctSessionId, `nds-${nds.hid.slice(0, 48)}`)
    const again = await postForm(`${p.url}/login`, formFields(html, 'click-form'))
    t.equal(again.status, 303)
    t.equal(await p.ctx.db.prisma.session.count(), 1, 'a repeated submit: one session')

    const done = await get(gw.headers.get('location')!)
    const statusUrl = /href="(\/status\?[^"]+)"/.exec(done.html)![1]!.replace(/&amp;/g, '&')
    const status = await get(p.url + statusUrl)
    const out = await postForm(`${p.url}/logout`, formFields(status.html, 'logout-form'))
    t.equal(out.headers.get('location'), `${nds.url}/opennds_deny/`)
    const closed = await p.ctx.db.prisma.session.findFirstOrThrow()
    t.ok(closed.stoppedAt, 'the portal closed the session it recorded')
    t.equal(closed.closeReason, 'stop')

    const noKey = await startPortalFor(t, kind, { vendor: 'opennds', uamSecret: null, nasName: 'quan5-nds' })
    const nds2 = await new FakeOpenNds({ portalUrl: noKey.url, gatewayName: 'quan5-nds', fasKey, clientMac: MAC }).start()
    t.teardown(() => nds2.close())
    t.equal((await get(nds2.redirectUrl())).res.status, 403, 'an openNDS without a registered FAS key: no NAS decrypts it')
  })

  t.test(`${kind}: counted links, the RFC 8908 API`, async (t) => {
    const p = await startPortalFor(t, kind)
    const go = await get(`${p.url}/go/${p.site.id}/dichvucong?to=https://evil.example/`)
    t.equal(go.res.status, 302)
    t.equal(go.res.headers.get('location'), 'https://dichvucong.example.vn/', 'the site\'s URL, never one from the request')
    await get(`${p.url}/go/${p.site.id}/dichvucong`)
    const row = await p.ctx.db.prisma.statsLinkHourly.findFirstOrThrow({ where: { scope: p.site.id, linkKey: 'dichvucong' } })
    t.equal(row.count, 2)
    t.equal((await get(`${p.url}/go/${p.site.id}/nope`)).res.status, 404)

    const before = await fetch(`${p.url}${CAPTIVE_API_PATH}`)
    t.equal(before.headers.get('content-type'), 'application/captive+json')
    t.equal(before.headers.get('cache-control'), 'private, no-store')
    t.same(await before.json(), { captive: true, 'user-portal-url': `${p.url}/`, 'venue-info-url': 'https://thanhpho.example.vn/' })

    const device = await p.ctx.db.prisma.device.create({ data: { mac: 'AA-BB-CC-DD-EE-09' } })
    const now = new Date()
    await p.ctx.db.prisma.session.create({
      data: { nasId: p.nas.id, siteId: p.site.id, acctSessionId: 's1', username: 'cw-x', deviceId: device.id, framedIp: '127.0.0.1', startedAt: new Date(now.getTime() - 600_000), updatedAt: now, sessionSeconds: 600 },
    })
    const after = (await (await fetch(`${p.url}${CAPTIVE_API_PATH}`)).json()) as Record<string, unknown>
    t.equal(after.captive, false)
    t.ok(Math.abs((after['seconds-remaining'] as number) - 35 * 60) <= 2, `seconds-remaining ${after['seconds-remaining']}`)
    t.equal(after['bytes-remaining'], 500_000_000)
    t.equal(after['can-extend-session'], true)
    const status = await get(`${p.url}/status`)
    t.equal(status.res.status, 200, 'the status page finds the open session by address')
    t.match(status.html, /data-test="time-left">3\d phút/)
  })
}

for (const kind of dbKinds()) {
  t.test(`${kind}: a site's own logo from the data dir; one too heavy for the page budget is not used`, async (t) => {
    const p = await startPortalFor(t, kind, { site: { logoPath: 'phuong.svg' } })
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4" fill="#c00"/></svg>'
    fs.mkdirSync(path.join(p.ctx.config.dataDir, 'logos'), { recursive: true })
    fs.writeFileSync(path.join(p.ctx.config.dataDir, 'logos', 'phuong.svg'), svg)
    const chilli = await coova(t, p)
    const { html } = await get(chilli.redirectUrl('notyet'))
    const src = /<img src="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&')
    t.match(src, new RegExp(`^/logo/${p.site.id}\\?v=`))
    const logo = await fetch(p.url + src)
    t.equal(logo.headers.get('content-type'), 'image/svg+xml')
    t.equal(await logo.text(), svg)
    t.match(logo.headers.get('content-security-policy')!, /default-src 'none'/, 'no script inside an SVG')

    const heavy = await startPortalFor(t, kind, { site: { logoPath: 'big.png' } })
    fs.mkdirSync(path.join(heavy.ctx.config.dataDir, 'logos'), { recursive: true })
    fs.writeFileSync(path.join(heavy.ctx.config.dataDir, 'logos', 'big.png'), Buffer.alloc(40 * 1024))
    const c2 = await coova(t, heavy)
    t.match((await get(c2.redirectUrl('notyet'))).html, /<img src="\/static\/logo.svg/, 'the default logo instead')
  })
}
