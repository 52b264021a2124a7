// Statistics in a real Chromium, as an official uses them: a viewer signs
// in, opens the dashboard and a month's report for one site (usage sent as
// RADIUS accounting over UDP, a few rejected logins), sees every chart drawn,
// downloads a table as CSV (BOM, Vietnamese header) and the PDF (read back
// with pdftotext), on a laptop, a tablet and on paper.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import t from 'tap'
import { dateString, localDay } from '../../core/stats/calendar.js'
import { Code, attr } from '../../radius/codec/index.js'
import { startServices, testContext } from '../helpers/app.js'
import { dbKinds } from '../helpers/databases.js'
import { RadiusTestClient, radiusPorts } from '../helpers/radius-client.js'
import { adminFixture, PASSWORD } from '../admin/setup.js'
import { sendTodaysUsage, startedOn } from '../admin/stats-data.js'
import { NAS_SECRET, seedSite } from '../portal/setup.js'
import { launchBrowser, SCREENSHOTS } from './stack.js'

const TZ = 'Asia/Ho_Chi_Minh'
const browserP = launchBrowser()
t.teardown(async () => (await browserP).close())

/** Written to docs/screenshots/ when CITYWIFI_SCREENSHOTS=1 or missing (as stack.ts's screenshot()); returns the PNG. */
function keep(name: string, png: Buffer): Buffer {
  if (png.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error(`${name} is not a PNG`)
  const file = path.join(SCREENSHOTS, `${name}.png`)
  if (process.env.CITYWIFI_SCREENSHOTS === '1' || !fs.existsSync(file)) {
    fs.mkdirSync(SCREENSHOTS, { recursive: true })
    fs.writeFileSync(file, png)
  }
  return png
}

/** Every chart image on the page decoded by the browser (a blocked or broken SVG has no natural width). */
async function chartsDrawn(page: Page): Promise<{ total: number; drawn: number }> {
  return page.evaluate(() => {
    const imgs = Array.from(document.querySelectorAll<HTMLImageElement>('figure.chart img'))
    return { total: imgs.length, drawn: imgs.filter((i) => i.complete && i.naturalWidth > 0).length }
  })
}

const kinds = dbKinds()

for (const kind of kinds) {
  const shots = kind === kinds[0]
  t.test(`an official reads a month's statistics on ${kind}`, async (t) => {
    const { ctx } = await testContext(t, kind, { CITYWIFI_TIMEZONE: TZ })
    const { site } = await seedSite(ctx)
    const radius = await startServices(t, ctx, ['radius'])
    const ports = radiusPorts(radius.radius!)
    const f = await adminFixture(t, kind, { ctx })
    const client = new RadiusTestClient(NAS_SECRET)
    t.teardown(() => client.close())
    const sent = await sendTodaysUsage(client, ports.acct, 'e2e')
    // Two logins with a code that does not exist: rejected, counted by reason.
    for (const code of ['NOSUCH0001', 'NOSUCH0002']) {
      const r = await client.request(Code.AccessRequest, ports.auth, [attr('User-Name', code), attr('Calling-Station-Id', '02-AA-BB-CC-00-09')], { password: code })
      t.equal(r?.packet.code, Code.AccessReject)
    }
    const today = dateString(localDay(new Date(), TZ))
    const yesterday = dateString(localDay(new Date(Date.now() - 86_400_000), TZ))
    const from = `${yesterday.slice(0, 8)}01`
    // The radius service folds octets and rejects into the hourly figures every few seconds.
    const deadline = Date.now() + 40_000
    for (;;) {
      const r = await f.api('GET', `/api/v1/stats/usage?site=${site.id}&from=${from}&to=${today}`, { role: 'viewer' })
      if (r.json.totals.outputOctets > 0 && Object.keys(r.json.totals.rejects).length) break
      if (Date.now() > deadline) throw new Error(`figures not folded: ${JSON.stringify(r.json.totals)}`)
      await new Promise((res) => setTimeout(res, 500))
    }

    const browser = await browserP
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'vi-VN', deviceScaleFactor: 1, acceptDownloads: true })
    t.teardown(() => context.close())
    const page = await context.newPage()
    page.setDefaultTimeout(20_000)
    const blocked: string[] = []
    page.on('console', (m) => {
      if (/Content.Security.Policy|Refused to/i.test(m.text())) blocked.push(m.text())
    })

    // Sign in as an official.
    await page.goto(`${f.url}/stats`)
    await page.getByLabel('Tên đăng nhập').fill('viewer1')
    await page.getByLabel('Mật khẩu').fill(PASSWORD)
    await page.getByRole('button', { name: 'Đăng nhập' }).click()
    await page.getByRole('heading', { name: 'Thống kê', exact: true }).waitFor()

    // The dashboard.
    t.equal((await page.getByTestId('online-now').locator('.value').textContent())?.trim(), '1', 'one person online now')
    // Sessions begun up to 40 minutes ago: just after local midnight some are yesterday's.
    const todays = startedOn(sent, today, TZ)
    t.equal((await page.getByTestId('today-sessions').locator('.value').textContent())?.trim(), String(todays))
    await page.getByRole('heading', { name: 'Hôm nay so với cùng thứ tuần trước' }).waitFor()
    t.match(await page.getByTestId('comparison').textContent(), new RegExp(`Lượt truy cập\\s*${todays}\\s*0\\s*\\+`))
    t.same(await chartsDrawn(page), { total: 3, drawn: 3 }, 'the comparison and the last 30 days drawn')
    if (shots) keep('stats-dashboard', await page.screenshot({ fullPage: true }))

    // A month's report for the site, chosen with the pickers.
    await page.getByTestId('open-report').click()
    await page.getByTestId('stats-picker').waitFor()
    await page.getByLabel('Điểm phát').selectOption({ label: site.name })
    await page.getByLabel('Từ ngày').fill(from)
    await page.getByLabel('Đến ngày').fill(today)
    await page.getByLabel('Chia theo').selectOption({ label: 'Ngày' })
    await page.getByRole('button', { name: 'Xem' }).click()
    await page.getByRole('heading', { name: `Báo cáo thống kê: ${site.name}` }).waitFor()
    t.equal((await page.getByTestId('total-sessions').locator('.value').textContent())?.trim(), String(sent.sessions))
    t.match(await page.getByTestId('stats-summary').textContent(), `Trong kỳ có ${sent.sessions} lượt truy cập từ 3 thiết bị`)
    for (const name of ['Lượt truy cập', 'Thiết bị', 'Thiết bị mới', 'Dung lượng', 'Thời gian kết nối', 'Cao điểm đồng thời', 'Thời lượng một phiên', 'Cách đăng nhập', 'Đăng nhập bị từ chối', 'Lượt bấm liên kết', 'Theo giờ trong ngày và thứ trong tuần'])
      await page.getByRole('heading', { name, exact: true }).waitFor()
    const drawn = await chartsDrawn(page)
    t.equal(drawn.total, 12, 'a chart per figure (two for the heat map)')
    t.equal(drawn.drawn, drawn.total, 'every chart drawn')
    t.match(await page.getByTestId('table-rejects').textContent(), /Mã hoặc tài khoản không tồn tại\s*2/, 'the rejects by reason')
    const body = (await page.locator('main').textContent()) ?? ''
    for (const mac of [...sent.macs, '02-AA-BB-CC-00-09']) t.notMatch(body, mac, 'no device shown to a viewer')
    t.same(blocked, [], 'nothing blocked by the Content-Security-Policy')
    if (process.env.STATS_FULL_SHOT) fs.writeFileSync(process.env.STATS_FULL_SHOT, await page.screenshot({ fullPage: true }))
    if (shots) keep('stats-report', await page.screenshot({ fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 2200 } }))

    // A table as CSV.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv-sessions').click()])
    const csvBytes = fs.readFileSync((await csv.path())!)
    t.same([...csvBytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a byte-order mark')
    const csvText = csvBytes.subarray(3).toString('utf8')
    t.ok(csvText.startsWith('Thời điểm,Lượt truy cập\r\n'), 'the Vietnamese header')
    t.ok(csvText.endsWith(`Tổng cả kỳ,${sent.sessions}\r\n`))
    t.match(csv.suggestedFilename(), /^thong-ke-sessions-\d+-.*\.csv$/)

    // The PDF.
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-pdf').click()])
    const pdfBytes = fs.readFileSync((await pdf.path())!)
    t.equal(pdfBytes.subarray(0, 5).toString(), '%PDF-')
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdfBytes }).toString('utf8')
    t.match(text, `${sent.sessions} lượt truy cập`, 'Vietnamese text read back by pdftotext')
    t.match(text, site.name)
    t.match(text, 'Cao điểm')
    for (const mac of sent.macs) t.notMatch(text, mac)
    if (shots) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stats-pdf-'))
      t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
      fs.writeFileSync(path.join(dir, 'r.pdf'), pdfBytes)
      execFileSync('pdftoppm', ['-png', '-r', '90', '-f', '1', '-l', '2', path.join(dir, 'r.pdf'), path.join(dir, 'page')])
      const pages = fs.readdirSync(dir).filter((x) => x.endsWith('.png')).sort()
      t.equal(pages.length, 2, 'pdftoppm drew the first two pages')
      keep('stats-pdf', fs.readFileSync(path.join(dir, pages[1]!)))
    }

    // A tablet: nothing wider than the screen.
    await page.setViewportSize({ width: 820, height: 1180 })
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling on a tablet')

    // On paper: no navigation, no pickers, long tables in full.
    await page.emulateMedia({ media: 'print' })
    t.equal(await page.locator('header.top').evaluate((el) => getComputedStyle(el).display), 'none')
    t.equal(await page.getByTestId('stats-picker').evaluate((el) => getComputedStyle(el).display), 'none')
    t.equal(await page.locator('.table-wrap').first().evaluate((el) => getComputedStyle(el).maxHeight), 'none')
    await page.emulateMedia({ media: 'screen' })

    // English, one click away.
    await page.getByTestId('lang-toggle').click()
    await page.getByRole('heading', { name: `Statistics report: ${site.name}` }).waitFor()
    t.match(await page.getByTestId('stats-summary').textContent(), `In this period there were ${sent.sessions} sessions`)
  })
}
