// The statistics pages over HTTP, with usage sent as RADIUS accounting over
// UDP: a viewer reads the dashboard and the report (the same figures as the
// API), downloads each table as CSV, and is told in Vietnamese what is wrong
// with a period; nothing a viewer gets names a device.
import { execFileSync } from 'node:child_process'
import t from 'tap'
import { dateString, localDay, nextDate } from '../../core/stats/calendar.js'
import { startServices } from '../helpers/app.js'
import { dbKinds } from '../helpers/databases.js'
import { RadiusTestClient, radiusPorts } from '../helpers/radius-client.js'
import { NAS_SECRET, seedSite } from '../portal/setup.js'
import { adminFixture, type AdminFixture, type Browser } from './setup.js'
import { sendTodaysUsage, startedOn } from './stats-data.js'

const TZ = 'Asia/Ho_Chi_Minh'

/** From the first day of the month of yesterday to today: a month's report that surely holds today's usage. */
function monthPeriod() {
  const today = dateString(localDay(new Date(), TZ))
  const yesterday = dateString(localDay(new Date(Date.now() - 86_400_000), TZ))
  return { from: `${yesterday.slice(0, 8)}01`, to: today }
}

/** The bytes of a download as a signed-in browser gets them (fetch's text() would drop the BOM). */
async function download(b: Browser, path: string): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const res = await fetch(b.base + path, { headers: { cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers }
}

/** Waits for the radius service's periodic jobs to fold the reported octets into the hourly figures. */
async function waitForTraffic(f: AdminFixture, query: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const r = await f.api('GET', `/api/v1/stats/usage?${query}`, { role: 'viewer' })
    if (r.json?.totals?.outputOctets > 0) return
    await new Promise((res) => setTimeout(res, 500))
  }
  throw new Error('the octets never reached the figures')
}

/** The PDF's text layer, as poppler's pdftotext reads it (what a search or a copy gets). */
function pdfText(pdf: Buffer): string {
  return execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf }).toString('utf8')
}

const cells = (html: string, test: string) => {
  const m = new RegExp(`data-test="${test}"[^>]*>\\s*<span class="value">([^<]*)</span>`).exec(html)
  return m?.[1]
}

for (const kind of dbKinds()) {
  t.test(`statistics pages on ${kind}`, async (t) => {
    const f = await adminFixture(t, kind, { env: { CITYWIFI_TIMEZONE: TZ } })
    const { site } = await seedSite(f.ctx)
    const radius = await startServices(t, f.ctx, ['radius'])
    const client = new RadiusTestClient(NAS_SECRET)
    t.teardown(() => client.close())
    const sent = await sendTodaysUsage(client, radiusPorts(radius.radius!).acct)
    const viewer = f.as.viewer
    const { from, to } = monthPeriod()
    await waitForTraffic(f, `site=${site.id}&from=${from}&to=${to}`)

    t.test('the dashboard: online now, today against last week, the last 30 days', async (t) => {
      const r = await viewer.get('/stats')
      t.equal(r.status, 200)
      t.match(r.text, /<h1[^>]*>Thống kê<\/h1>/)
      t.equal(cells(r.text, 'online-now'), '1', 'one device still online')
      // Sessions begun up to 40 minutes ago: just after local midnight some are yesterday's.
      t.equal(cells(r.text, 'today-sessions'), String(startedOn(sent, dateString(localDay(new Date(), TZ)), TZ)))
      t.match(r.text, /Hôm nay so với cùng thứ tuần trước/)
      t.match(r.text, /30 ngày qua/)
      t.match(r.text, /<img src="data:image\/svg\+xml;base64,[^"]+" alt="Biểu đồ: Lượt truy cập"/)
      t.match(r.text, /href="\/stats\/report\?from=\d{4}-\d{2}-\d{2}&amp;to=\d{4}-\d{2}-\d{2}&amp;interval=day"/)
      t.match(r.text, /<a href="\/stats" aria-current="page">Thống kê<\/a>/, 'the navigation entry')
    })

    t.test('a month for one site: every figure as a chart and a table, the same as the API', async (t) => {
      const api = await f.api('GET', `/api/v1/stats/usage?site=${site.id}&from=${from}&to=${to}&interval=day`, { role: 'viewer' })
      t.equal(api.status, 200)
      t.equal(api.json.totals.sessions, sent.sessions)
      const r = await viewer.get(`/stats/report?site=${site.id}&from=${from}&to=${to}&interval=day`)
      t.equal(r.status, 200)
      t.match(r.text, `Báo cáo thống kê: ${site.name}`)
      t.equal(cells(r.text, 'total-sessions'), String(api.json.totals.sessions))
      t.equal(cells(r.text, 'total-devices'), String(api.json.totals.uniqueDevices))
      t.equal(cells(r.text, 'total-peak'), String(api.json.totals.peakConcurrent))
      for (const key of ['sessions', 'uniqueDevices', 'newDevices', 'traffic', 'sessionSeconds', 'peakConcurrent', 'duration', 'loginMethods', 'rejects', 'linkClicks', 'heatmap']) {
        t.match(r.text, new RegExp(`data-test="figure-${key}"[\\s\\S]*?data-test="chart-${key}"[\\s\\S]*?data-test="table-${key}"[\\s\\S]*?href="/stats/report.csv\\?[^"]*table=${key}"`), `${key}: chart, table, CSV`)
      }
      t.equal(r.text.match(/<tbody>[\s\S]*?<\/tbody>/)![0].match(/<tr>/g)!.length, api.json.series.length, 'one row per day')
      t.match(r.text, new RegExp(`Trong kỳ có ${sent.sessions} lượt truy cập từ ${api.json.totals.uniqueDevices} thiết bị`), 'the summary')
      t.match(r.text, /href="\/stats\/report.pdf\?site=\d+&amp;from=[^"]*&amp;interval=day&amp;lang=vi"/, 'a link to the PDF')
      const hourly = await viewer.get(`/stats/report?site=${site.id}&from=${nextDate(to, -3)}&to=${to}&interval=hour`)
      t.equal(hourly.status, 200)
      t.match(hourly.text, /href="\/stats\/report.pdf\?site=\d+&amp;from=[^"&]*&amp;to=[^"&]*&amp;lang=vi"/, 'four days by the hour: the PDF picks its own unit')
      for (const mac of sent.macs) {
        t.notMatch(r.text, mac, 'no device on the page')
        t.notMatch(r.text, mac.replace(/-/g, ':').toLowerCase(), 'in any spelling')
      }
      t.notMatch(r.text, /stats-[abc]/, 'no session id')
      t.match(r.headers.get('content-security-policy'), /style-src 'self'/, 'the page keeps its strict policy (charts are images)')
      t.notMatch(r.text, /<svg/, 'no inline SVG whose styles the policy would block')
    })

    t.test('every table as CSV: UTF-8 with BOM, Vietnamese header, whole units, a total', async (t) => {
      const q = `site=${site.id}&from=${from}&to=${to}&interval=day`
      const api = (await f.api('GET', `/api/v1/stats/usage?${q}`, { role: 'viewer' })).json
      const r = await download(viewer, `/stats/report.csv?${q}&table=sessions`)
      t.equal(r.status, 200)
      t.match(r.headers.get('content-type'), /^text\/csv; charset=utf-8/)
      t.match(r.headers.get('content-disposition'), /^attachment; filename="thong-ke-sessions-\d+-/)
      t.same([...r.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 byte-order mark')
      const text = r.bytes.subarray(3).toString('utf8')
      t.ok(text.startsWith('Thời điểm,Lượt truy cập\r\n'), 'the Vietnamese header')
      const lines = text.trimEnd().split('\r\n')
      t.match(lines[1], /^\d{4}-\d{2}-01,\d+$/)
      t.equal(lines.length, 1 + api.series.length + 1, 'a row per day and the total')
      t.equal(lines.at(-1), `Tổng cả kỳ,${sent.sessions}`)
      const traffic = (await download(viewer, `/stats/report.csv?${q}&table=traffic`)).bytes.toString('utf8')
      t.match(traffic, /^\uFEFFThời điểm,Tải lên \(MB\),Tải xuống \(MB\)\r\n/)
      t.ok(traffic.endsWith(`\r\nTổng cả kỳ,${Math.round(api.totals.inputOctets / 1e6)},${Math.round(api.totals.outputOctets / 1e6)}\r\n`), 'octets in whole MB')
      t.ok(api.totals.outputOctets >= sent.outputOctets * 0.5, 'the reported octets are in')
      const heat = (await download(viewer, `/stats/report.csv?${q}&table=heatmap`)).bytes.toString('utf8')
      t.equal(heat.trimEnd().split('\r\n').length, 1 + 7 * 24)
      const all = await download(viewer, `/stats/report.csv?${q}&table=all`)
      t.same([...all.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the API’s full CSV, with its BOM')
      const en = (await download(viewer, `/stats/report.csv?${q}&table=loginMethods&lang=en`)).bytes.toString('utf8')
      t.match(en, /^\uFEFFLogin methods,Count,Share\r\n/)
      t.match(en, /\r\nReturning device,3,100\r\n/, 'MAC-named sessions count as returning devices')
      for (const x of [text, traffic, heat, all.bytes.toString('utf8'), en]) for (const mac of sent.macs) t.notMatch(x, mac)
    })

    t.test('the PDF: from the page and from the API, Vietnamese text that reads back', async (t) => {
      const q = `site=${site.id}&from=${from}&to=${to}`
      const page = await download(viewer, `/stats/report.pdf?${q}&interval=day&lang=vi`)
      t.equal(page.status, 200)
      t.equal(page.headers.get('content-type'), 'application/pdf')
      t.match(page.headers.get('content-disposition'), /^attachment; filename="bao-cao-thong-ke-\d+-.*-vi\.pdf"/)
      t.equal(page.bytes.subarray(0, 5).toString(), '%PDF-')
      const text = pdfText(page.bytes)
      t.match(text, 'Báo cáo sử dụng WiFi công cộng miễn phí')
      t.match(text, site.name)
      t.match(text, `Trong kỳ có ${sent.sessions} lượt truy cập`, 'the summary, with its Vietnamese letters intact')
      t.match(text, /thiết bị/, 'ị reads back as ị, not i')
      for (const mac of sent.macs) t.notMatch(text, mac, 'no device in the PDF')

      const api = await fetch(`${f.url}/api/v1/stats/report.pdf?site=${encodeURIComponent(site.name)}&from=${from}&to=${to}&lang=en`, { headers: { authorization: `Bearer ${f.tokens.viewer}` } })
      t.equal(api.status, 200, 'a viewer token, the site by its name')
      const en = pdfText(Buffer.from(await api.arrayBuffer()))
      t.match(en, 'Free public WiFi usage report')
      t.match(en, `In this period there were ${sent.sessions} sessions`)
      const bad = await f.api('GET', `/api/v1/stats/report.pdf?site=nowhere&from=${from}&to=${to}`, { role: 'viewer' })
      t.equal(bad.status, 400)
      t.equal(bad.json.error, 'invalid')
      const badPage = await viewer.get(`/stats/report.pdf?from=${to}&to=${from}x`)
      t.equal(badPage.status, 400)
      const doc = await f.api('GET', '/api/v1/openapi.json', { token: null })
      t.ok(doc.json.paths['/api/v1/stats/report.pdf'].get.responses['200'].content['application/pdf'], 'described in the OpenAPI document')
    })

    t.test('a period that cannot be shown is explained, in the person’s language', async (t) => {
      const bad = async (q: string, message: RegExp, path = '/stats/report') => {
        const r = await viewer.get(`${path}?${q}`)
        t.equal(r.status, 400, q)
        t.match(r.text, message, q)
      }
      await bad('from=2026-02-30&to=2026-03-01', /Ngày không hợp lệ/)
      await bad('from=2026-11-10&to=2026-11-01', /Ngày bắt đầu phải trước hoặc bằng ngày kết thúc/)
      await bad('from=2026-01-01&to=2026-03-01&interval=hour', /Kỳ quá dài để chia theo giờ: tối đa 31 ngày/)
      await bad('site=99999&from=2026-11-01&to=2026-11-02', /Không có điểm phát này/)
      await bad('from=2026-11-10&to=2026-11-01&table=sessions', /Ngày bắt đầu phải trước/, '/stats/report.csv')
      t.equal((await viewer.get('/stats/report?site=1%20OR%201=1')).status, 400, 'a site that is not a number')
      t.equal((await viewer.get('/stats/report.csv?from=2026-11-01&to=2026-11-02&table=../../etc/passwd')).status, 400, 'a table that does not exist')
      t.equal((await viewer.get('/stats/report?from=2026-11-01&to=2026-11-02&interval=week')).status, 400)
      const en = await viewer.get('/stats/report?from=2026-11-10&to=2026-11-01&lang=en')
      t.match(en.text, /The start date must be on or before the end date/)
    })

    t.test('without a sign-in, nothing', async (t) => {
      const anon = f.browser()
      for (const path of ['/stats', `/stats/report?from=${from}&to=${to}`, `/stats/report.csv?from=${from}&to=${to}&table=sessions`]) {
        const r = await anon.get(path)
        t.equal(r.status, 303, path)
        t.match(r.location, /^\/login/)
      }
    })
  })
}
