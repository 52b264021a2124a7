// A phone-like Chromium behind a fake CoovaChilli: redirected with a real
// challenge and md, it logs in through the portal, and the fake chilli lets
// it out only on a real Access-Accept from citywifi's RADIUS server.
import t, { type Test } from 'tap'
import { createVouchers } from '../../core/services/vouchers.js'
import { FakeCoovaChilli } from '../fakes/coovachilli.js'
import { dbKinds } from '../helpers/databases.js'
import { NAS_SECRET, UAM_SECRET } from '../portal/setup.js'
import { launchBrowser, phone, screenshot, startStack, weigh, type PhoneOptions, type Stack } from './stack.js'

const browserP = launchBrowser()
t.teardown(async () => (await browserP).close())

let macSeq = 0x10
async function chilliFor(t: Test, s: Stack) {
  const mac = `AA-BB-CC-00-01-${(macSeq++).toString(16).padStart(2, '0').toUpperCase()}`
  const chilli = await new FakeCoovaChilli({
    portalUrl: `${s.portalUrl}/`,
    nasId: s.nas.name,
    uamSecret: UAM_SECRET,
    radius: { ...s.radius, secret: NAS_SECRET },
    clientMac: mac,
  }).start()
  t.teardown(() => chilli.close())
  return chilli
}

async function open(t: Test, s: Stack, opts: PhoneOptions = {}) {
  const chilli = await chilliFor(t, s)
  const { page } = await phone(t, await browserP, opts)
  return { chilli, page }
}

const kinds = dbKinds()

for (const kind of kinds) {
  // Screenshots once, from the first database.
  const shots = kind === kinds[0]

  t.test(`${kind}: click-through in Vietnamese, the status page, log out, and back with one tap`, async (t) => {
    const s = await startStack(t, kind)
    const { chilli, page } = await open(t, s)
    const weight = weigh(page)
    // As chilli sends a phone that was opening the city's news page.
    await page.goto(chilli.redirectUrl('notyet', { userurl: 'http://thanhpho.example.vn/tin-tuc' }))
    await page.waitForLoadState('load')
    t.equal(await page.getAttribute('html', 'lang'), 'vi')
    t.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Kết nối WiFi miễn phí')
    t.ok(await page.getByText('Bộ phận một cửa phường Bến Nghé').isVisible())
    const bytes = await weight.bytes()
    t.ok(bytes < 30 * 1024, `the splash transferred ${bytes} bytes (${weight.urls.length} responses) < 30 KB`)
    t.notOk(weight.urls.some((u) => !u.startsWith(s.portalUrl)), 'nothing loaded from elsewhere')
    if (shots) await screenshot(page, 'splash-vi')

    await page.getByRole('button', { name: 'Kết nối miễn phí' }).click()
    await page.getByTestId('success').waitFor()
    t.equal(await page.getByTestId('success').textContent(), 'Bạn đã kết nối Internet')
    t.ok(chilli.lastAnswer?.accepted, 'RADIUS answered Access-Accept')
    t.ok(chilli.online, 'the fake chilli let the device out')
    t.match(await page.locator('main').textContent(), /Thời gian sử dụng: 45 phút/, 'Session-Timeout from the policy, in words')
    t.equal(await page.getByTestId('continue').getAttribute('href'), 'http://thanhpho.example.vn/tin-tuc', 'on to where the person was going')
    if (shots) await screenshot(page, 'success-vi')

    await page.getByTestId('status-link').click()
    await page.getByTestId('time-left').waitFor()
    t.match(await page.getByTestId('time-left').textContent(), /phút/)
    t.equal(await page.getByTestId('data-left').textContent(), '500 MB')
    if (shots) await screenshot(page, 'status-vi')

    await page.getByRole('button', { name: 'Đăng xuất' }).click()
    await page.getByText('Bạn đã đăng xuất').waitFor()
    t.notOk(chilli.online, 'logged out at the NAS')

    // The same phone comes back: one tap, a new one-time login, a real Accept again.
    await page.goto(`${chilli.url}/lai`)
    await page.getByText('Chào mừng bạn quay lại').waitFor()
    await page.getByRole('button', { name: 'Kết nối', exact: true }).click()
    await page.getByTestId('success').waitFor()
    t.ok(chilli.online)
    t.equal(await s.ctx.db.prisma.consent.count(), 1, 'one consent for both visits')
    const logins = await s.ctx.db.prisma.credential.count()
    t.ok(logins >= 1 && logins <= 2, `at most one one-time login per visit (${logins}: reused within the reuse window)`)
    await page.getByTestId('continue').click()
    await page.getByTestId('internet').waitFor()
    t.equal(await page.getByTestId('internet').textContent(), 'The Internet: /lai', 'and through the open NAS')
  })

  t.test(`${kind}: English — from the browser's language and from the toggle`, async (t) => {
    const s = await startStack(t, kind)
    const { chilli, page } = await open(t, s, { lang: 'en' })
    await page.goto(chilli.redirectUrl('notyet', { userurl: 'http://thanhpho.example.vn/' }))
    t.equal(await page.getAttribute('html', 'lang'), 'en')
    t.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Connect to free WiFi')
    if (shots) await screenshot(page, 'splash-en')
    await page.getByRole('button', { name: 'Connect for free' }).click()
    await page.getByTestId('success').waitFor()
    t.equal(await page.getByTestId('success').textContent(), 'You are online')
    t.match(await page.locator('main').textContent(), /Time allowed: 45 minutes/)
    if (shots) await screenshot(page, 'success-en')
    await page.getByTestId('status-link').click()
    await page.getByTestId('time-left').waitFor()
    t.match(await page.getByTestId('time-left').textContent(), /minutes/)
    if (shots) await screenshot(page, 'status-en')

    const vi = await open(t, s)
    await vi.page.goto(`${vi.chilli.url}/`)
    await vi.page.getByTestId('lang-toggle').click()
    await vi.page.getByRole('heading', { name: 'Connect to free WiFi' }).waitFor()
    t.equal(await vi.page.getAttribute('html', 'lang'), 'en')
    await vi.page.getByTestId('lang-toggle').click()
    await vi.page.getByRole('heading', { name: 'Kết nối WiFi miễn phí' }).waitFor()
    t.pass('and back to Vietnamese')
    await vi.page.getByTestId('lang-toggle').click()
    await vi.page.getByRole('button', { name: 'Connect for free' }).click()
    await vi.page.getByTestId('success').waitFor()
    t.equal(await vi.page.getByTestId('success').textContent(), 'You are online', 'the chosen language survives the trip through the NAS')
  })

  t.test(`${kind}: phone OTP — the code from the console gateway, a wrong code, then the right one`, async (t) => {
    const s = await startStack(t, kind)
    const { chilli, page } = await open(t, s)
    await page.goto(`${chilli.url}/`)
    await page.getByLabel('Số điện thoại di động').fill('0912 345 678')
    const before = s.logLines.length
    await page.getByRole('button', { name: 'Gửi mã xác thực' }).click()
    await page.getByRole('heading', { name: 'Nhập mã xác thực' }).waitFor()
    const code = await s.nextSmsCode(before)
    t.equal(await page.getByLabel('Mã 6 số').getAttribute('autocomplete'), 'one-time-code')
    t.equal(await page.getByLabel('Mã 6 số').getAttribute('inputmode'), 'numeric')
    if (shots) await screenshot(page, 'otp-vi')

    await page.getByLabel('Mã 6 số').fill(code === '000000' ? '111111' : '000000')
    await page.getByRole('button', { name: 'Xác nhận và kết nối' }).click()
    await page.getByTestId('otp-error').waitFor()
    t.equal(await page.getByTestId('otp-error').textContent(), 'Mã không đúng. Bạn còn 4 lần thử.')
    t.equal(await page.getByLabel('Mã 6 số').getAttribute('aria-invalid'), 'true', 'the error is tied to the field')

    await page.getByLabel('Mã 6 số').fill(code)
    await page.getByRole('button', { name: 'Xác nhận và kết nối' }).click()
    await page.getByTestId('success').waitFor()
    t.ok(chilli.lastAnswer?.accepted)
    const consent = await s.ctx.db.prisma.consent.findFirstOrThrow()
    t.equal(consent.method, 'otp')
    t.ok(consent.phoneHash)

    const en = await open(t, s, { lang: 'en' })
    await en.page.goto(`${en.chilli.url}/`)
    await en.page.getByLabel('Mobile phone number').fill('+84 987 654 321')
    await en.page.getByRole('button', { name: 'Send the code' }).click()
    await en.page.getByRole('heading', { name: 'Enter the code' }).waitFor()
    if (shots) await screenshot(en.page, 'otp-en')
  })

  t.test(`${kind}: an expired OTP code, and the sending limit`, async (t) => {
    const s = await startStack(t, kind, { otpLimits: { phonePer15Min: 1, phonePerDay: 5, macPerHour: 5, sitePerHour: 100 } })
    const { chilli, page } = await open(t, s)
    await page.goto(`${chilli.url}/`)
    await page.getByLabel('Số điện thoại di động').fill('0912345678')
    const before = s.logLines.length
    await page.getByRole('button', { name: 'Gửi mã xác thực' }).click()
    const code = await s.nextSmsCode(before)
    await s.ctx.db.prisma.otpChallenge.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } })
    await page.getByLabel('Mã 6 số').fill(code)
    await page.getByRole('button', { name: 'Xác nhận và kết nối' }).click()
    await page.getByTestId('otp-error').waitFor()
    t.equal(await page.getByTestId('otp-error').textContent(), 'Mã đã hết hạn. Hãy yêu cầu mã mới.')
    t.notOk(chilli.online)

    await page.getByTestId('other-number').click()
    await page.getByLabel('Số điện thoại di động').fill('0912345678')
    await page.getByRole('button', { name: 'Gửi mã xác thực' }).click()
    await page.getByTestId('phone-error').waitFor()
    t.match(await page.getByTestId('phone-error').textContent(), /Đã gửi quá nhiều mã cho số này/)
  })

  t.test(`${kind}: vouchers — typed loosely and let in; expired, and used up at RADIUS`, async (t) => {
    const s = await startStack(t, kind)
    const db = s.ctx.db.prisma
    const { vouchers } = await createVouchers(db, { site: s.site.name, count: 3, minutes: 60 }, 'test')
    const [good, expired, usedUp] = vouchers.map((v) => v.code)
    await db.voucher.update({ where: { code: expired! }, data: { validUntil: new Date(Date.now() - 86_400_000) } })
    await db.voucher.update({ where: { code: usedUp! }, data: { usedSeconds: 3600, firstUsedAt: new Date(Date.now() - 7200_000) } })

    const { chilli, page } = await open(t, s)
    await page.goto(`${chilli.url}/`)
    await page.getByLabel('Mã truy cập (in trên phiếu)').fill(expired!)
    await page.getByRole('button', { name: 'Kết nối bằng mã' }).click()
    await page.getByTestId('code-error').waitFor()
    t.match(await page.getByTestId('code-error').textContent(), /Mã truy cập này đã hết hạn ngày/)

    await page.getByLabel('Mã truy cập (in trên phiếu)').fill(usedUp!)
    await page.getByRole('button', { name: 'Kết nối bằng mã' }).click()
    await page.getByText('Chưa kết nối được').waitFor()
    t.equal(chilli.lastAnswer?.accepted, false, 'RADIUS rejected the used-up voucher')
    const alert = await page.getByTestId('alert').textContent()
    if (chilli.lastAnswer?.replyMessage) t.match(alert, `Lý do: ${chilli.lastAnswer.replyMessage}`, 'the reason from Reply-Message')
    else t.match(alert, /Điểm truy cập từ chối đăng nhập/)

    const typed = `${good!.slice(0, 5).toLowerCase()}-${good!.slice(5)}`
    await page.getByLabel('Mã truy cập (in trên phiếu)').fill(typed)
    await page.getByRole('button', { name: 'Kết nối bằng mã' }).click()
    await page.getByTestId('success').waitFor()
    t.ok(chilli.lastAnswer?.accepted, `RADIUS accepted ${typed}`)
    t.ok(chilli.online)
  })

  t.test(`${kind}: without JavaScript, and at 320 px`, async (t) => {
    const s = await startStack(t, kind)
    const noJs = await open(t, s, { javaScript: false })
    await noJs.page.goto(`${noJs.chilli.url}/`)
    await noJs.page.getByRole('button', { name: 'Kết nối miễn phí' }).click()
    await noJs.page.getByTestId('success').waitFor()
    t.ok(noJs.chilli.online, 'logged in with JavaScript off')
    await noJs.page.getByTestId('status-link').click()
    await noJs.page.getByRole('button', { name: 'Đăng xuất' }).click()
    await noJs.page.getByText('Bạn đã đăng xuất').waitFor()
    t.notOk(noJs.chilli.online, 'and out again')

    const narrow = await open(t, s, { width: 320 })
    await narrow.page.goto(`${narrow.chilli.url}/`)
    const overflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    t.equal(overflow, 0, 'no sideways scrolling at 320 px')
    const box = await narrow.page.getByRole('button', { name: 'Kết nối miễn phí' }).boundingBox()
    t.ok(box && box.x >= 0 && box.x + box.width <= 320 && box.height >= 44, `the button fits and is big enough to tap (${JSON.stringify(box)})`)
    await narrow.page.getByLabel('Mã truy cập (in trên phiếu)').focus()
    await narrow.page.keyboard.press('Shift+Tab')
    t.ok(await narrow.page.evaluate(() => document.activeElement?.tagName !== 'BODY'), 'keyboard focus moves between controls')
    await narrow.page.getByRole('button', { name: 'Kết nối miễn phí' }).click()
    await narrow.page.getByTestId('success').waitFor()
    t.ok(narrow.chilli.online)
  })
}
