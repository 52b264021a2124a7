// The admin app in a real Chromium, as IT staff use it: a wrong password,
// signing in, a site, a policy and an access point set up through the forms,
// vouchers printed (the QR code read back from the picture), a session from
// real RADIUS accounting seen live and cut off at a fake NAS that answers
// Disconnect-Request with ACK, English, and a viewer who sees aggregates only.
import { PNG } from 'pngjs'
import jsQRModule from 'jsqr'
import t from 'tap'
import { Code, attr } from '../../radius/codec/index.js'
import { fakeCoaNas } from '../fakes/coa-nas.js'
import { startServices, testContext } from '../helpers/app.js'
import { dbKinds } from '../helpers/databases.js'
import { RadiusTestClient, radiusPorts } from '../helpers/radius-client.js'
import { adminFixture, PASSWORD } from '../admin/setup.js'
import { launchBrowser, screenshot } from './stack.js'

// jsqr is CommonJS whose types declare an ES default export: take whichever the loader gives.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as typeof jsQRModule.default

const browserP = launchBrowser()
t.teardown(async () => (await browserP).close())

const SECRET = 'e2e-admin-secret-0123456789'
const MAC = '0A-1B-2C-3D-4E-5F'
const kinds = dbKinds()

for (const kind of kinds) {
  const shots = kind === kinds[0]
  t.test(`IT staff run citywifi from the browser on ${kind}`, async (t) => {
    const { ctx } = await testContext(t, kind)
    const radius = await startServices(t, ctx, ['radius'])
    const ports = radiusPorts(radius.radius!)
    const f = await adminFixture(t, kind, { ctx })
    const prisma = ctx.db.prisma
    const coa = await fakeCoaNas(SECRET)
    t.teardown(() => coa.close())

    const browser = await browserP
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'vi-VN', deviceScaleFactor: 1 })
    t.teardown(() => context.close())
    const page = await context.newPage()
    page.setDefaultTimeout(20_000)
    page.on('dialog', (d) => void d.accept())

    // A wrong password: a message, and no session.
    await page.goto(`${f.url}/`)
    await page.getByRole('heading', { name: 'Đăng nhập' }).waitFor()
    await page.getByLabel('Tên đăng nhập').fill('admin1')
    await page.getByLabel('Mật khẩu').fill('not the password')
    await page.getByRole('button', { name: 'Đăng nhập' }).click()
    await page.getByTestId('login-error').waitFor()
    t.equal((await page.getByTestId('login-error').textContent())?.trim(), 'Tên đăng nhập hoặc mật khẩu không đúng.')
    t.notOk((await context.cookies()).some((c) => c.name === 'cw_session'), 'no session cookie')
    if (shots) await screenshot(page, 'admin-login')

    await page.getByLabel('Mật khẩu').fill(PASSWORD)
    await page.getByRole('button', { name: 'Đăng nhập' }).click()
    await page.getByRole('heading', { name: 'Tổng quan' }).waitFor()
    t.ok((await context.cookies()).find((c) => c.name === 'cw_session')?.httpOnly, 'an httpOnly session cookie')

    // A site.
    await page.getByRole('navigation').getByRole('link', { name: 'Điểm phát' }).click()
    await page.getByTestId('new-site').click()
    await page.getByLabel('Tên điểm phát').fill('Bộ phận một cửa Phường Bến Thành')
    await page.getByLabel('Địa chỉ', { exact: true }).fill('134 Lê Thánh Tôn, Quận 1')
    await page.getByLabel('Tên mạng WiFi (SSID)').fill('CityWiFi Free')
    await page.getByLabel('Vĩ độ').fill('10.7735')
    await page.getByLabel('Kinh độ').fill('106.6983')
    await page.getByLabel('Mã xác thực qua số điện thoại').check()
    await page.getByLabel('Liên kết 1: tên tiếng Việt').fill('Cổng Dịch vụ công')
    await page.getByLabel('Liên kết 1: tên tiếng Anh').fill('Online public services')
    await page.getByLabel('Liên kết 1: địa chỉ').fill('https://dichvucong.gov.vn/')
    await page.getByRole('button', { name: 'Tạo điểm phát' }).click()
    await page.getByTestId('saved').waitFor()
    const site = await prisma.site.findUniqueOrThrow({ where: { name: 'Bộ phận một cửa Phường Bến Thành' } })
    t.match(site, { ssid: 'CityWiFi Free', allowOtp: true, latitude: 10.7735 })
    if (shots) await screenshot(page, 'admin-site')

    // A policy, attached to the site on its form.
    await page.getByRole('navigation').getByRole('link', { name: 'Chính sách' }).click()
    await page.getByTestId('new-policy').click()
    await page.getByLabel('Tên chính sách').fill('Một cửa: 60 phút, 5 Mbit/s')
    await page.getByLabel('Thời gian mỗi lần').fill('60')
    await page.getByLabel('Tốc độ tải xuống').fill('5')
    await page.getByLabel('Tốc độ tải lên').fill('2')
    await page.getByLabel('Dung lượng mỗi ngày').fill('1000')
    await page.getByLabel('Bộ phận một cửa Phường Bến Thành').check()
    await page.getByRole('button', { name: 'Tạo chính sách' }).click()
    await page.getByTestId('saved').waitFor()
    const policy = await prisma.policy.findUniqueOrThrow({ where: { name: 'Một cửa: 60 phút, 5 Mbit/s' } })
    t.match(policy, { sessionMinutes: 60, downKbps: 5000, upKbps: 2000, dailyMegabytes: 1000 })
    t.equal((await prisma.site.findUniqueOrThrow({ where: { id: site.id } })).policyId, policy.id)

    // An access point.
    await page.getByRole('navigation').getByRole('link', { name: 'Thiết bị phát (NAS)' }).click()
    await page.getByTestId('new-nas').click()
    await page.getByLabel('Điểm phát').selectOption({ label: 'Bộ phận một cửa Phường Bến Thành' })
    await page.getByLabel('Tên (NAS-Identifier)').fill('ben-thanh-ap1')
    await page.getByLabel('Địa chỉ IP hoặc dải mạng').fill('127.0.0.1')
    await page.getByLabel('Loại thiết bị').selectOption('coovachilli')
    await page.getByLabel('Khoá bí mật RADIUS').fill('short')
    await page.getByLabel('Cổng CoA / ngắt kết nối').fill(String(coa.port))
    await page.getByRole('button', { name: 'Đăng ký' }).click()
    await page.getByTestId('error-secret').waitFor()
    t.equal(await page.getByTestId('error-secret').textContent(), 'Khoá có 5 ký tự: cần ít nhất 16.', 'the error next to its field')
    t.equal(await page.getByLabel('Khoá bí mật RADIUS').getAttribute('aria-invalid'), 'true')
    await page.getByLabel('Khoá bí mật RADIUS').fill(SECRET)
    await page.getByRole('button', { name: 'Đăng ký' }).click()
    await page.getByTestId('saved').waitFor()
    t.equal(await page.getByTestId('nas-state').textContent(), 'Mất liên lạc', 'not heard from yet')
    if (shots) await screenshot(page, 'admin-nas')

    // Vouchers, and the print sheet.
    await page.getByRole('navigation').getByRole('link', { name: 'Mã truy cập' }).click()
    await page.getByTestId('new-vouchers').click()
    await page.getByLabel('Điểm phát').selectOption({ label: 'Bộ phận một cửa Phường Bến Thành' })
    await page.getByLabel('Số lượng').fill('10')
    await page.getByLabel('Thời gian dùng').fill('120')
    await page.getByLabel('Ghi chú').fill('Tiếp công dân ngày 5/12')
    await page.getByRole('button', { name: 'Tạo mã' }).click()
    await page.getByTestId('created').waitFor()
    t.equal(await page.getByTestId('voucher-code').count(), 10)
    const [sheet] = await Promise.all([context.waitForEvent('page'), page.getByTestId('print-vi').click()])
    await sheet.getByTestId('sheet').waitFor()
    await sheet.setViewportSize({ width: 800, height: 1130 })
    t.equal(await sheet.getByTestId('voucher-card').count(), 10)
    const codes = (await prisma.voucher.findMany({ select: { code: true } })).map((v) => v.code)
    const printed = (await sheet.getByTestId('voucher-code').allTextContents()).map((c) => c.replace('-', ''))
    t.same(printed.sort(), codes.sort(), 'every code on the sheet')
    t.match(await sheet.getByTestId('voucher-card').first().textContent(), /Dùng được 2 giờ, trên 1 thiết bị\./)
    const qrPng = PNG.sync.read(await sheet.getByTestId('voucher-qr').first().locator('svg').screenshot())
    const qr = jsQR(new Uint8ClampedArray(qrPng.data), qrPng.width, qrPng.height)
    t.equal(qr?.data, 'WIFI:T:nopass;S:CityWiFi Free;;', 'the QR code joins the site WiFi')
    if (shots) await screenshot(sheet, 'admin-vouchers-print')
    await sheet.close()

    // A real session from RADIUS accounting appears in Live sessions.
    const client = new RadiusTestClient(SECRET)
    t.teardown(() => client.close())
    const login = await client.request(Code.AccessRequest, ports.auth, [attr('User-Name', codes[0]!), attr('Calling-Station-Id', MAC)], { password: codes[0]! })
    t.equal(login?.packet.code, Code.AccessAccept, 'the voucher logs in at RADIUS')
    const acct = await client.request(
      Code.AccountingRequest,
      ports.acct,
      [attr('Acct-Status-Type', 'Start'), attr('Acct-Session-Id', 'e2e-0001'), attr('User-Name', codes[0]!), attr('Calling-Station-Id', MAC), attr('Framed-IP-Address', '10.1.0.40')],
      { messageAuthenticator: false },
    )
    t.equal(acct?.packet.code, Code.AccountingResponse)
    await page.getByRole('navigation').getByRole('link', { name: 'Phiên kết nối' }).click()
    await page.getByTestId('session-mac').first().waitFor()
    t.equal(await page.getByTestId('session-mac').first().textContent(), MAC)
    t.match(await page.getByTestId('sessions').textContent(), /Mã in sẵn.*ben-thanh-ap1.*Bộ phận một cửa Phường Bến Thành/s)
    if (shots) await screenshot(page, 'admin-sessions')

    // Disconnect: the fake NAS answers ACK.
    await page.getByTestId('disconnect').click()
    await page.getByTestId('disconnect-ack').waitFor()
    t.equal((await page.getByTestId('disconnect-ack').textContent())?.trim(), 'Thiết bị phát đã xác nhận ngắt kết nối (ACK).')
    t.equal(coa.received.at(-1)?.packet.code, Code.DisconnectRequest)
    t.ok(coa.received.at(-1)?.authentic, 'signed with the NAS secret')
    if (shots) await screenshot(page, 'admin-disconnect')

    // The home page now knows the NAS (accounting and Status-Server mark it seen).
    await page.getByRole('navigation').getByRole('link', { name: 'Tổng quan' }).click()
    await page.getByTestId('online-now').waitFor()
    if (shots) await screenshot(page, 'admin-home')

    // English, one click away, and back.
    await page.getByTestId('lang-toggle').click()
    await page.getByRole('heading', { name: 'Overview' }).waitFor()
    t.equal(await page.getAttribute('html', 'lang'), 'en')
    t.ok(await page.getByRole('link', { name: 'Access points (NAS)' }).isVisible())
    if (shots) await screenshot(page, 'admin-home-en')
    await page.getByTestId('lang-toggle').click()
    await page.getByRole('heading', { name: 'Tổng quan' }).waitFor()

    // The API's description, read in the browser from the admin port itself.
    const docs = await context.newPage()
    await docs.goto(`${f.url}/api/v1/docs/`)
    await docs.locator('.opblock').first().waitFor()
    t.ok((await docs.locator('.opblock').count()) > 30, 'every API route in the Swagger UI')
    if (shots) await screenshot(docs, 'admin-api-docs')
    await docs.close()

    // A viewer: aggregates, no session, MAC or management page, 403 on every change.
    const vctx = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'vi-VN' })
    t.teardown(() => vctx.close())
    const v = await vctx.newPage()
    await v.goto(`${f.url}/login`)
    await v.getByLabel('Tên đăng nhập').fill('viewer1')
    await v.getByLabel('Mật khẩu').fill(PASSWORD)
    await v.getByRole('button', { name: 'Đăng nhập' }).click()
    await v.getByRole('heading', { name: 'Tổng quan' }).waitFor()
    const nav = await v.getByRole('navigation').textContent()
    t.notMatch(nav, /Phiên kết nối|Điểm phát|Mã truy cập|Nhật ký/, 'no management entry')
    t.notMatch(await v.locator('main').textContent(), MAC, 'no MAC anywhere')
    if (shots) await screenshot(v, 'admin-viewer')
    await v.goto(`${f.url}/sessions`)
    t.equal((await v.getByTestId('forbidden').textContent())?.trim(), 'Vai trò “Lãnh đạo (chỉ xem)” không được dùng chức năng này.')
    const csrf = (await (await v.request.get(`${f.url}/account`)).text()).match(/name="_csrf" value="([^"]+)"/)![1]!
    const sessionId = (await prisma.session.findFirstOrThrow()).id
    for (const [path, form] of [
      ['/sites', { name: 'x' }],
      [`/nas/1/disable`, {}],
      ['/vouchers', { siteId: String(site.id), count: '1' }],
      [`/sessions/${sessionId}/disconnect`, {}],
      ['/policies', { name: 'x' }],
      ['/terms', { version: 'x' }],
      ['/staff', { username: 'x' }],
      ['/tokens', { name: 'x' }],
    ] as const) {
      const r = await v.request.post(`${f.url}${path}`, { form: { _csrf: csrf, ...form }, maxRedirects: 0 })
      t.equal(r.status(), 403, `a viewer's POST ${path}: 403`)
    }
    t.equal(await prisma.site.count(), 1, 'and nothing changed')
  })
}
