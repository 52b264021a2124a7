// The pages as a browser without JavaScript uses them: forms with their
// errors next to the field in Vietnamese or English, the logo upload (type
// and size read from the file), a large voucher batch with progress, the
// print sheet and the CSV export, each audited.
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { dbKinds } from '../helpers/databases.js'
import { adminFixture, type Browser } from './setup.js'

const PNG_1PX = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082', 'hex')

async function upload(b: Browser, siteId: number, name: string, type: string, data: Buffer) {
  await b.get(`/sites/${siteId}`)
  const form = new FormData()
  form.append('logo', new Blob([new Uint8Array(data)], { type }), name)
  const res = await fetch(`${b.base}/sites/${siteId}/logo?_csrf=${encodeURIComponent(b.csrf)}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    body: form,
  })
  return { status: res.status, text: await res.text() }
}

for (const kind of dbKinds()) {
  t.test(`pages on ${kind}`, async (t) => {
    const f = await adminFixture(t, kind)
    const prisma = f.ctx.db.prisma
    const b = f.as.operator

    await t.test('a site form: every error next to its field, in Vietnamese, then in English', async (t) => {
      const r = await b.post('/sites', { name: ' ', latitude: '95', longitude: '106.7', landingUrl: 'ftp://x', 'links.0.labelVi': 'Cổng', 'links.0.url': 'javascript:alert(1)', allowOtp: 'off', otpRequired: ['off', 'on'] }, '/sites/new')
      t.equal(r.status, 400)
      t.match(r.text, 'data-test="form-error"')
      t.match(r.text, /data-test="error-name">Chưa nhập tên điểm phát.</)
      t.match(r.text, /data-test="error-latitude">Vĩ độ phải là số từ -90 đến 90.</)
      t.match(r.text, /data-test="error-landingUrl">Trang mở sau khi kết nối phải bắt đầu bằng http/)
      t.match(r.text, /data-test="error-links.0.url">Địa chỉ phải bắt đầu bằng/)
      t.match(r.text, /data-test="error-otpRequired">Muốn bắt buộc số điện thoại/)
      t.match(r.text, /id="f-name"[^>]*aria-invalid="true"[^>]*aria-describedby="f-name-error"/, 'the error is tied to its field')
      t.match(r.text, /value="106.7"/, 'what was typed is kept')
      t.equal(await prisma.site.count(), 0, 'nothing saved')
      await b.get('/lang/en?next=/sites/new')
      const en = await b.post('/sites', { name: '' }, '/sites/new')
      t.match(en.text, /data-test="error-name">the site name is empty</)
      t.match(en.text, '<html lang="en">')
      await b.get('/lang/vi?next=/')
      const ok = await b.post('/sites', { name: 'Bộ phận một cửa Phường 1', ssid: 'CityWiFi Free', allowClickThrough: ['off', 'on'], allowVoucher: ['off', 'on'] }, '/sites/new')
      t.equal(ok.status, 303)
      t.match(ok.location, /^\/sites\/\d+\?saved=1$/)
    })

    const site = await prisma.site.findFirstOrThrow()

    await t.test('the logo: type and size read from the file', async (t) => {
      const good = await upload(b, site.id, 'logo.png', 'image/png', PNG_1PX)
      t.equal(good.status, 303)
      const stored = (await prisma.site.findUniqueOrThrow({ where: { id: site.id } })).logoPath!
      t.match(stored, /^site-\d+-[0-9a-f]{12}\.png$/)
      t.same(fs.readFileSync(path.join(f.ctx.config.dataDir, 'logos', stored)), PNG_1PX, 'stored where the portal reads logos')
      const fake = await upload(b, site.id, 'logo.png', 'image/png', Buffer.from('<svg onload="alert(1)"></svg>'))
      t.equal(fake.status, 400)
      t.match(fake.text, 'Biểu trưng phải là ảnh PNG, JPEG hoặc WebP.')
      const big = await upload(b, site.id, 'big.png', 'image/png', Buffer.concat([PNG_1PX, Buffer.alloc(20_000)]))
      t.equal(big.status, 400)
      t.match(big.text, 'data-test="logo-error"')
      t.equal((await prisma.site.findUniqueOrThrow({ where: { id: site.id } })).logoPath, stored, 'the good logo stays')
      t.match((await prisma.auditEvent.findFirstOrThrow({ where: { action: 'site.logo' } })).detail, { after: { logoPath: stored, type: 'image/png' } })
    })

    await t.test('a NAS form: Vietnamese errors, the secret never shown back', async (t) => {
      const r = await b.post('/nas', { siteId: String(site.id), name: 'ap 1', ip: '10.0.0.0/33', vendor: 'mikrotik', secret: 'short', coaPort: '70000' }, '/nas/new')
      t.equal(r.status, 400)
      t.match(r.text, /data-test="error-name">Tên thiết bị gồm 1 đến 64 ký tự/)
      t.match(r.text, /data-test="error-ip">/)
      t.match(r.text, /data-test="error-secret">Khoá có 5 ký tự: cần ít nhất 16.</)
      t.match(r.text, /data-test="error-coaPort">Cổng phải từ 1 đến 65535.</)
      t.notMatch(r.text, 'value="short"', 'a typed secret is not echoed')
      const ok = await b.post('/nas', { siteId: String(site.id), name: 'ap-1', ip: '10.0.0.5', vendor: 'mikrotik', secret: 'a-long-enough-secret-1', coaPort: '3799' }, '/nas/new')
      t.equal(ok.status, 303)
      const page = await b.get(ok.location!)
      t.notMatch(page.text, 'a-long-enough-secret-1')
      const rotated = await b.post(`${ok.location!.split('?')[0]}/rotate-secret`, {}, ok.location!)
      t.match(rotated.text, /data-test="secret">[A-Za-z0-9_-]{24}</, 'the new secret, once')
    })

    await t.test('a NAS form: login hosts and the insecure openNDS option, errors next to the field in both languages', async (t) => {
      const form = { siteId: String(site.id), name: 'nds-1', ip: '10.0.0.20', vendor: 'opennds', secret: 'a-long-enough-secret-2', coaPort: '3799' }
      const bad = await b.post('/nas', { ...form, loginHosts: '192.168.8.1:2050\nhttp://evil.example/x', allowInsecureFas: ['off', 'on'] }, '/nas/new')
      t.equal(bad.status, 400)
      t.match(bad.text, /data-test="error-loginHosts">Mỗi địa chỉ đăng nhập là một tên máy hoặc máy:cổng \(tối đa 16\).</)
      t.match(bad.text, /<textarea id="[^"]*" name="loginHosts"[^>]*>192.168.8.1:2050\nhttp:\/\/evil.example\/x<\/textarea>/, 'what was typed is shown back')
      t.match(bad.text, /name="allowInsecureFas" value="on" checked/)
      await b.get('/lang/en?next=/nas/new')
      const en = await b.post('/nas', { ...form, loginHosts: Array.from({ length: 17 }, (_, i) => `10.9.0.${i}`).join(', ') }, '/nas/new')
      t.equal(en.status, 400)
      t.match(en.text, /data-test="error-loginHosts">17 login hosts: at most 16</)
      t.match(en.text, 'Allow unencrypted openNDS FAS (level 1, insecure)')
      await b.get('/lang/vi?next=/')
      t.equal(await prisma.accessPoint.count({ where: { name: 'nds-1' } }), 0, 'nothing registered from a refused form')

      const ok = await b.post('/nas', { ...form, loginHosts: '192.168.8.1:2050\r\nGW.Example.vn', allowInsecureFas: ['off', 'on'] }, '/nas/new')
      t.equal(ok.status, 303)
      let nas = await prisma.accessPoint.findUniqueOrThrow({ where: { name: 'nds-1' } })
      t.same(nas.loginHosts, ['192.168.8.1:2050', 'gw.example.vn'])
      t.equal(nas.allowInsecureFas, true)
      const page = await b.get(ok.location!)
      t.match(page.text, /name="loginHosts"[^>]*>192.168.8.1:2050\ngw.example.vn<\/textarea>/, 'shown on the edit form')
      t.match(page.text, /name="allowInsecureFas" value="on" checked/)

      const edit = await b.post(`/nas/${nas.id}`, { ...form, secret: '', loginHosts: '', allowInsecureFas: 'off' }, `/nas/${nas.id}`)
      t.equal(edit.status, 303)
      nas = await prisma.accessPoint.findUniqueOrThrow({ where: { id: nas.id } })
      t.same(nas.loginHosts, [])
      t.equal(nas.allowInsecureFas, false, 'unticked')
      t.match((await prisma.auditEvent.findFirstOrThrow({ where: { action: 'nas.update', target: `nas:${nas.id}` } })).detail, { after: { loginHosts: [], allowInsecureFas: false } })
    })

    await t.test('a policy in the units people use', async (t) => {
      const r = await b.post('/policies', { name: 'Quảng trường', sessionMinutes: '60', idleMinutes: '10', downMbps: '2,5', upMbps: '1', dailyMegabytes: '500', monthlyGigabytes: '3', simultaneousUse: '1', consentDays: '30', interimSeconds: '300', [`site.${site.id}`]: ['off', 'on'] }, '/policies/new')
      t.equal(r.status, 303)
      const p = await prisma.policy.findUniqueOrThrow({ where: { name: 'Quảng trường' } })
      t.match(p, { downKbps: 2500, upKbps: 1000, dailyMegabytes: 500, monthlyMegabytes: 3000, sessionMegabytes: null })
      t.equal((await prisma.site.findUniqueOrThrow({ where: { id: site.id } })).policyId, p.id, 'attached to the ticked site')
      const bad = await b.post(`/policies/${p.id}`, { name: 'Quảng trường', sessionMinutes: '60', idleMinutes: '10', downMbps: '0.01', simultaneousUse: '1', consentDays: '30', interimSeconds: '300' }, `/policies/${p.id}`)
      t.equal(bad.status, 400)
      t.match(bad.text, /data-test="error-downMbps">/, 'the error is on the Mbit/s field')
    })

    await t.test('vouchers: a batch with progress, the sheet, the CSV, revoking', async (t) => {
      const r = await b.post('/vouchers', { siteId: String(site.id), count: '2500', minutes: '90', validDays: '10', maxDevices: '2', note: 'Hội chợ' }, '/vouchers/new')
      t.equal(r.status, 303)
      t.match(r.location, /^\/vouchers\/jobs\//, 'a large batch runs in the background')
      let page = await b.get(r.location!)
      const deadline = Date.now() + 120_000
      while (page.status === 200 && Date.now() < deadline) {
        t.match(page.text, /<meta http-equiv="refresh" content="1">/)
        t.match(page.text, 'data-test="job-progress"')
        await new Promise((res) => setTimeout(res, 300))
        page = await b.get(r.location!)
      }
      t.equal(page.status, 303, 'done: on to the batch')
      const batchUrl = page.location!.split('?')[0]!
      t.equal(await prisma.voucher.count(), 2500)
      const batch = await b.get(page.location!)
      t.match(batch.text, 'data-test="created"')
      t.match(batch.text, 'Hội chợ')

      const sheet = await b.get(`${batchUrl}/print?lang=vi`)
      t.equal(sheet.status, 200)
      t.equal(sheet.text.match(/data-test="voucher-card"/g)?.length, 2500, 'every voucher on the sheet')
      t.match(sheet.text, 'Dùng được 1 giờ 30 phút, trên 2 thiết bị.')
      t.match(sheet.text, /Kết nối mạng “CityWiFi Free”/)
      t.match(sheet.text, /<svg[^>]*viewBox/, 'a QR code drawn on the server')
      const en = await b.get(`${batchUrl}/print?lang=en`)
      t.match(en.text, 'Gives 1 h 30 min online, on 2 device(s).')
      t.match(en.text, '<div class="sheet" lang="en"')

      const csv = await b.get(`/vouchers.csv?batch=${encodeURIComponent(batchUrl.split('/').at(-1)!)}`)
      t.match(csv.headers.get('content-disposition'), /attachment; filename="vouchers-/)
      t.equal(csv.text.trim().split('\r\n').length, 2501)
      t.ok(await prisma.auditEvent.findFirst({ where: { action: 'voucher.print' } }), 'printing is audited')
      t.ok(await prisma.auditEvent.findFirst({ where: { action: 'voucher.export' } }), 'so is the export')

      const code = (await prisma.voucher.findFirstOrThrow()).code
      const search = await b.get(`/vouchers?code=${code.slice(0, 5).toLowerCase()}-`)
      t.match(search.text, `${code.slice(0, 5)}-${code.slice(5)}`, 'found by its beginning, typed any way')
      const revoked = await b.post(`/vouchers/${code}/revoke`, {}, '/vouchers')
      t.match(revoked.text, 'data-test="revoked"')
      const state = await b.get(`/vouchers?code=${code}`)
      t.match(state.text, /data-test="voucher-state"><span class="badge error">Đã thu hồi/)
    })

    await t.test('the person look-up is for admins, and audited', async (t) => {
      t.equal((await b.get('/sessions/person?mac=02:00:00:00:00:01')).status, 403)
      const bad = await f.as.admin.get('/sessions/person?phone=12345')
      t.equal(bad.status, 400)
      t.match(bad.text, /data-test="error-phone">Không phải số di động Việt Nam.</)
      const ok = await f.as.admin.get('/sessions/person?phone=0912345678')
      t.equal(ok.status, 200)
      const e = await prisma.auditEvent.findFirstOrThrow({ where: { action: 'session.lookup' } })
      t.match(e.detail, { phone: /^\+8491•+678$/ }, 'the number is masked in the log')
      t.notMatch(JSON.stringify(e.detail), '0912345678')
    })
  })
}
