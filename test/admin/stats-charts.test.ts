// The statistics charts as the server draws them: SVG from ECharts, with
// the bars, labels and words a known report must give, in both languages.
import t from 'tap'
import { AdminTranslator } from '../../admin/render.js'
import { barsChart, comparisonChart, heatmapChart, pieChart, seriesChart, svgDataUrl } from '../../admin/stats/charts.js'
import { axisLabel, bucketCsv, bucketText, daysBetween, naturalInterval } from '../../admin/stats/format.js'
import { reportTables } from '../../admin/stats/tables.js'
import { monthReport, weekHeatmap } from './stats-fixture.js'

const vi = new AdminTranslator('vi', 'Asia/Ho_Chi_Minh')
const en = new AdminTranslator('en', 'Asia/Ho_Chi_Minh')

/** The texts an SVG shows, in order. */
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&amp;/g, '&'))
/** Bars are closed paths filled with the series' colour, one per data item (ECharts marks each with its index). */
const bars = (svg: string, colour: string) => [...svg.matchAll(new RegExp(`<path d="M[^"]*Z" fill="${colour}" ecmeta_series_index="\\d+" ecmeta_data_index`, 'g'))].length

t.test('a month per day: one bar per day, the days on the axis', async (t) => {
  const r = monthReport('day')
  const svg = seriesChart(vi, r, 'sessions')
  t.match(svg, /^<svg [^>]*width="720" height="300"/, 'an SVG of the asked size')
  t.notMatch(svg, /<script|<foreignObject|https?:\/\/(?!www\.w3\.org)/, 'nothing that runs or loads from elsewhere')
  t.equal(bars(svg, '#0a5ca8'), 30)
  t.ok(texts(svg).includes('01/11'), 'the first day on the axis')
  const max = Math.max(...r.series.map((b) => b.sessions))
  t.ok(texts(svg).some((x) => Number(x.replace(/\./g, '')) >= max), 'the value axis reaches the busiest day')
})

t.test('data in GB, two series with a Vietnamese or an English legend', async (t) => {
  const r = monthReport('day')
  t.ok(texts(seriesChart(vi, r, 'traffic')).includes('Tải xuống'))
  t.ok(texts(seriesChart(vi, r, 'traffic')).includes('Tải lên'))
  t.ok(texts(seriesChart(en, r, 'traffic')).includes('Download'))
  const duration = texts(seriesChart(vi, r, 'duration'))
  t.ok(duration.includes('Trung vị') && duration.includes('phút'), 'median and its unit')
})

t.test('hours of one day read 00h…23h; a long hourly series is a line, not 700 bars', async (t) => {
  const r = monthReport('hour')
  const svg = seriesChart(vi, r, 'sessions')
  t.ok(texts(svg).includes('08h'))
  t.equal(bars(svg, '#0a5ca8'), 24)
  const long = { ...r, from: '2026-11-01', to: '2026-11-30', series: Array.from({ length: 720 }, (_, i) => ({ ...r.series[i % 24]!, start: `2026-11-${String(1 + Math.floor(i / 24)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00+07:00` })) }
  const line = seriesChart(vi, long, 'sessions')
  t.equal(bars(line, '#0a5ca8'), 0, 'no bars')
  const paths = [...line.matchAll(/<path d="(M[^"]*)" fill="none"[^>]*stroke="#0a5ca8"/g)].map((m) => m[1]!.split(/[LlCc]/).length)
  t.ok(Math.max(...paths) >= 700, 'one line through every hour')
})

t.test('login methods as a ring with shares; rejects and links as bars', async (t) => {
  const pie = texts(pieChart(vi, [['Một chạm', 50], ['Mã qua tin nhắn', 10], ['Mã truy cập', 5], ['Thiết bị quay lại', 35]]))
  t.ok(pie.some((x) => x.includes('Một chạm')))
  t.ok(pie.some((x) => /50\s?%/.test(x)), 'a share in per cent')
  const b = barsChart(vi, [['Sai mật khẩu', 40], ['Mã hết hạn', 12]])
  t.equal(bars(b, '#0a5ca8'), 2)
  t.ok(texts(b).includes('Sai mật khẩu') && texts(b).includes('40'))
  t.ok(texts(pieChart(en, [])).includes('No data yet'), 'an empty frame says so')
})

t.test('the heat map: 7 weekdays by 24 hours, Monday on top', async (t) => {
  const svg = heatmapChart(vi, weekHeatmap(), 'sessions')
  const words = texts(svg)
  for (const d of ['Thứ Hai', 'Thứ Bảy', 'Chủ Nhật']) t.ok(words.includes(d), d)
  t.ok(words.includes('0h') && words.includes('22h'))
  const y = (label: string) => Number(new RegExp(`translate\\(\\d+(?:\\.\\d+)? (\\d+(?:\\.\\d+)?)\\)[^>]*>${label}<`).exec(svg)?.[1])
  t.ok(y('Thứ Hai') < y('Chủ Nhật'), 'Monday above Sunday')
  t.ok(texts(heatmapChart(en, weekHeatmap(), 'online')).includes('Monday'))
})

t.test('today against last week', async (t) => {
  const r = monthReport('day')
  const words = texts(comparisonChart(vi, r.series[1]!, r.series[8]!))
  t.ok(words.includes('Hôm nay') && words.includes('Cùng thứ tuần trước'))
  t.ok(words.includes(vi.number(r.series[1]!.sessions)), 'today’s sessions written on its bar')
})

t.test('an SVG as an image address', async (t) => {
  const url = svgDataUrl('<svg xmlns="http://www.w3.org/2000/svg">ư</svg>')
  t.match(url, /^data:image\/svg\+xml;base64,/)
  t.equal(Buffer.from(url.split(',')[1]!, 'base64').toString(), '<svg xmlns="http://www.w3.org/2000/svg">ư</svg>')
})

t.test('buckets and periods read in local time from the text', async (t) => {
  t.equal(axisLabel('2026-11-12T14:00:00+07:00', 'hour', true), '14h')
  t.equal(axisLabel('2026-11-12T14:00:00+07:00', 'hour', false), '12/11 14h')
  t.equal(bucketText('2026-11-12T23:00:00+07:00', 'hour'), '12/11/2026 23:00–00:00')
  t.equal(bucketText('2026-11-01T00:00:00+07:00', 'month'), '11/2026')
  t.equal(bucketCsv('2026-11-12T14:00:00+07:00', 'hour'), '2026-11-12 14:00')
  t.equal(daysBetween('2026-11-01', '2026-11-30'), 30)
  t.equal(daysBetween('2026-02-27', '2026-03-01'), 3)
  t.equal(naturalInterval('2026-11-02', '2026-11-02'), 'hour')
  t.equal(naturalInterval('2026-11-01', '2026-11-30'), 'day')
  t.equal(naturalInterval('2026-01-01', '2026-12-31'), 'month')
})

t.test('tables: totals distinct over the period, CSV values in whole units', async (t) => {
  const r = monthReport('day')
  const tables = reportTables(vi, r, weekHeatmap(), { linkLabels: new Map([['dichvucong', 'Cổng Dịch vụ công']]) })
  const devices = tables.find((x) => x.key === 'uniqueDevices')!
  t.equal(devices.rows.length, 30)
  t.equal(devices.total!.raw[1], r.totals.uniqueDevices, 'the period’s distinct devices, not the sum of the days')
  t.not(devices.total!.raw[1], r.series.reduce((a, b) => a + b.uniqueDevices, 0))
  const traffic = tables.find((x) => x.key === 'traffic')!
  t.same(traffic.columns.map((c) => c.csv), ['Thời điểm', 'Tải lên (MB)', 'Tải xuống (MB)'])
  t.same(traffic.columns.map((c) => c.label), ['Thời điểm', 'Tải lên (GB)', 'Tải xuống (GB)'])
  t.equal(traffic.rows[0]!.raw[2], Math.round(r.series[0]!.outputOctets / 1e6))
  const links = tables.find((x) => x.key === 'linkClicks')!
  t.same(links.rows.map((x) => x.raw[0]), ['Cổng Dịch vụ công', 'congdanso'], 'a link by its name where known, largest first')
  const rejects = tables.find((x) => x.key === 'rejects')!
  t.equal(rejects.rows[0]!.cells[0], 'Sai mật khẩu')
  const heat = tables.find((x) => x.key === 'heatmap')!
  t.equal(heat.rows.length, 7 * 24)
})
