// The statistics pages for officials (viewer role and up): the dashboard
// (/stats), the report with its pickers (/stats/report), each table as CSV
// (/stats/report.csv) and the report as PDF (/stats/report.pdf, the same as
// /api/v1/stats/report.pdf for scripts). Aggregates only: no page here reads a
// session, a device or a phone number.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AppContext } from '../../core/context.js'
import { toCsv } from '../../core/stats/csv.js'
import { dashboard } from '../../core/stats/report.js'
import type { AdminTranslator } from '../render.js'
import type { Field, FormModel } from '../ui.js'
import { usageCsv } from './api.js'
import { barsChart, comparisonChart, heatmapChart, pieChart, seriesChart, svgDataUrl, WIDE, type SeriesChartKey, type Size } from './charts.js'
import type { Figures, UsageReport } from './figures.js'
import { dayText, show, t } from './format.js'
import { loadReport, paramsQuery, readParams, siteChoices, statsQuerySchema, type Loaded, type RawQuery, type SiteChoice, type StatsParams } from './query.js'
import { summarize } from './summary.js'
import { reportTables, TABLE_KEYS, type StatTable, type TableKey } from './tables.js'

export interface ChartView {
  src: string
  alt: string
  width: number
  height: number
}

export interface FigureView {
  key: TableKey
  table: StatTable
  charts: ChartView[]
  csvUrl: string
  /** Series tables are long: scrolled on screen, printed in full. */
  long: boolean
}

const chart = (svg: string, alt: string, size: Size): ChartView => ({ src: svgDataUrl(svg), alt, width: size.width, height: Number(/height="(\d+)"/.exec(svg)?.[1] ?? size.height) })

const SERIES: SeriesChartKey[] = ['sessions', 'uniqueDevices', 'newDevices', 'traffic', 'sessionSeconds', 'peakConcurrent', 'duration']
const PIE: Size = { width: 420, height: 280 }
const HALF: Size = { width: 520, height: 260 }

/** Every figure of a report with its chart(s) and table: what the report page shows and the PDF prints. */
export function figureViews(tr: AdminTranslator, loaded: Loaded, csvBase: string): FigureView[] {
  const { report } = loaded
  const tables = reportTables(tr, report, loaded.heat, { linkLabels: loaded.linkLabels })
  return tables.map((table) => {
    const alt = tr.t('stats.chartOf', { name: table.name })
    const entries = table.rows.map((r): [string, number] => [String(r.raw[0]), Number(r.raw[1])])
    let charts: ChartView[]
    if ((SERIES as string[]).includes(table.key)) charts = [chart(seriesChart(tr, report, table.key as SeriesChartKey), alt, WIDE)]
    else if (table.key === 'loginMethods') charts = [chart(pieChart(tr, entries, PIE), alt, PIE)]
    else if (table.key === 'heatmap')
      charts = (['sessions', 'online'] as const).map((m) => {
        const name = tr.t(m === 'sessions' ? 'stats.f.heatSessions' : 'stats.f.heatOnline')
        return chart(heatmapChart(tr, loaded.heat, m), tr.t('stats.chartOf', { name: `${table.name} — ${name}` }), { width: 720, height: 280 })
      })
    else charts = [chart(barsChart(tr, entries, PIE), alt, PIE)]
    return { key: table.key, table, charts, csvUrl: `${csvBase}&table=${table.key}`, long: table.rows.length > 14 }
  })
}

function pickerForm(tr: AdminTranslator, p: StatsParams, sites: SiteChoice[], problems: { field: string; message: string }[]): FormModel {
  const err = (field: string) => problems.find((x) => x.field === field)?.message
  const fields: Field[] = [
    {
      name: 'site',
      label: tr.t('stats.site'),
      type: 'select',
      value: p.siteId === null ? '' : String(p.siteId),
      options: [{ value: '', label: tr.t('stats.allSites') }, ...sites.map((s) => ({ value: String(s.id), label: s.archived ? `${s.name} (${tr.t('site.archived').toLowerCase()})` : s.name }))],
      error: err('site'),
      test: 'pick-site',
    },
    { name: 'from', label: tr.t('stats.from'), type: 'date', value: p.from, required: true, error: err('from'), test: 'pick-from' },
    { name: 'to', label: tr.t('stats.to'), type: 'date', value: p.to, required: true, error: err('to'), test: 'pick-to' },
    {
      name: 'interval',
      label: tr.t('stats.interval'),
      type: 'select',
      value: p.interval,
      options: (['hour', 'day', 'month'] as const).map((i) => ({ value: i, label: t(tr, `stats.interval.${i}`) })),
      test: 'pick-interval',
    },
  ]
  return { action: '/stats/report', method: 'get', inline: true, fields, submit: tr.t('stats.show'), test: 'stats-picker' }
}

/** The headline figures of a period, as cards. */
function totalsCards(tr: AdminTranslator, f: Figures) {
  return [
    { label: t(tr, 'stats.f.sessions'), value: show.count(tr, f.sessions), test: 'total-sessions' },
    { label: t(tr, 'stats.f.uniqueDevices'), value: show.count(tr, f.uniqueDevices), test: 'total-devices' },
    { label: t(tr, 'stats.f.newDevices'), value: show.count(tr, f.newDevices), test: 'total-new-devices' },
    { label: t(tr, 'stats.f.traffic'), value: tr.bytes(f.inputOctets + f.outputOctets), test: 'total-traffic' },
    { label: `${t(tr, 'stats.f.sessionSeconds')} (${tr.t('stats.unit.hours')})`, value: show.hours(tr, f.sessionSeconds), test: 'total-hours' },
    { label: t(tr, 'stats.f.peakConcurrent'), value: show.count(tr, f.peakConcurrent), test: 'total-peak' },
  ]
}

function change(tr: AdminTranslator, now: number, before: number): string {
  if (!before) return now ? '+' : '—'
  const r = (now - before) / before
  return `${r > 0 ? '+' : ''}${tr.number(r, { style: 'percent', maximumFractionDigits: 0 })}`
}

function siteName(tr: AdminTranslator, r: UsageReport): string {
  return r.site?.name ?? tr.t('stats.allSites')
}

export async function statsPages(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const tz = ctx.config.timeZone

  app.get('/stats', { config: { access: 'stats' }, schema: { querystring: statsQuerySchema } }, async (req, reply) => {
    const tr = req.tr
    const d = await dashboard(ctx.db.prisma, tz)
    const keys = ['sessions', 'uniqueDevices', 'newDevices', 'peakConcurrent'] as const
    const comparison = {
      columns: [tr.t('stats.figure'), tr.t('stats.today'), tr.t('stats.lastWeek'), tr.t('stats.change')],
      rows: [
        ...keys.map((k) => [t(tr, `stats.f.${k}`), show.count(tr, d.today[k]), show.count(tr, d.sameWeekdayLastWeek[k]), change(tr, d.today[k], d.sameWeekdayLastWeek[k])]),
        [t(tr, 'stats.f.traffic'), tr.bytes(d.today.inputOctets + d.today.outputOctets), tr.bytes(d.sameWeekdayLastWeek.inputOctets + d.sameWeekdayLastWeek.outputOctets), change(tr, d.today.inputOctets + d.today.outputOctets, d.sameWeekdayLastWeek.inputOctets + d.sameWeekdayLastWeek.outputOctets)],
      ],
    }
    const last = d.last30Days
    const reportQuery = paramsQuery({ siteId: null, from: last.from, to: last.to, interval: 'day' })
    const model = {
      onlineNow: show.count(tr, d.onlineNow),
      todayCards: [
        { label: tr.t('stats.onlineNow'), value: show.count(tr, d.onlineNow), test: 'online-now' },
        { label: `${t(tr, 'stats.f.sessions')} · ${tr.t('stats.today')}`, value: show.count(tr, d.today.sessions), test: 'today-sessions' },
        { label: `${t(tr, 'stats.f.uniqueDevices')} · ${tr.t('stats.today')}`, value: show.count(tr, d.today.uniqueDevices), test: 'today-devices' },
        { label: `${t(tr, 'stats.f.peakConcurrent')} · ${tr.t('stats.today')}`, value: show.count(tr, d.today.peakConcurrent), test: 'today-peak' },
      ],
      comparison,
      comparisonChart: chart(comparisonChart(tr, d.today, d.sameWeekdayLastWeek, { width: 480, height: 280 }), tr.t('stats.chartOf', { name: tr.t('stats.todayVsLastWeek') }), { width: 480, height: 280 }),
      lastPeriod: tr.t('stats.period', { from: dayText(last.from), to: dayText(last.to) }),
      lastCards: totalsCards(tr, last.totals),
      lastCharts: (['sessions', 'uniqueDevices'] as const).map((k) => ({ title: t(tr, `stats.f.${k}`), ...chart(seriesChart(tr, last, k, HALF), tr.t('stats.chartOf', { name: t(tr, `stats.f.${k}`) }), HALF) })),
      reportUrl: `/stats/report?${reportQuery}`,
      words: {
        todayVsLastWeek: tr.t('stats.todayVsLastWeek'),
        last30Days: tr.t('stats.last30Days'),
        openReport: tr.t('stats.openReport'),
        aggregatesOnly: tr.t('stats.aggregatesOnly'),
      },
    }
    return reply.page(tr.t('stats.dashboardTitle'), [], { view: 'stats/views/dashboard.eta', model })
  })

  app.get('/stats/report', { config: { access: 'stats' }, schema: { querystring: statsQuerySchema } }, async (req, reply) => {
    const tr = req.tr
    const sites = await siteChoices(ctx)
    const checked = readParams(tr, req.query as RawQuery, sites, tz)
    const form = pickerForm(tr, checked.params, sites, checked.ok ? [] : checked.problems)
    if (!checked.ok) {
      return reply.page(tr.t('stats.reportTitle'), [{ kind: 'notice', tone: 'error', text: checked.problems.map((p) => p.message).join(' '), test: 'stats-error' }, { kind: 'form', form }], { status: 400 })
    }
    const p = checked.params
    const loaded = await loadReport(ctx, tr, p, sites)
    const q = paramsQuery(p)
    const model = {
      form,
      site: siteName(tr, loaded.report),
      period: tr.t('stats.period', { from: dayText(p.from), to: dayText(p.to) }),
      summary: summarize(tr, loaded.report),
      cards: totalsCards(tr, loaded.report.totals),
      figures: figureViews(tr, loaded, `/stats/report.csv?${q}`),
      pdfUrl: `/stats/report.pdf?${paramsQuery(p, { lang: tr.lang })}`,
      allCsvUrl: `/stats/report.csv?${q}&table=all`,
      words: {
        downloadPdf: tr.t('stats.downloadPdf'),
        downloadAllCsv: tr.t('stats.downloadAllCsv'),
        downloadCsv: tr.t('stats.downloadCsv'),
        print: tr.t('stats.print'),
        totals: tr.t('stats.totals'),
        none: tr.t('stats.none'),
        aggregatesOnly: tr.t('stats.aggregatesOnly'),
      },
    }
    return reply.page(`${tr.t('stats.reportTitle')}: ${model.site}`, [], { view: 'stats/views/report.eta', model })
  })

  app.get(
    '/stats/report.csv',
    {
      config: { access: 'stats' },
      schema: { querystring: { ...statsQuerySchema, properties: { ...statsQuerySchema.properties, table: { type: 'string', enum: [...TABLE_KEYS, 'all'] } }, required: ['table'] } },
    },
    async (req, reply) => {
      const tr = req.tr
      const sites = await siteChoices(ctx)
      const query = req.query as RawQuery & { table: TableKey | 'all' }
      const checked = readParams(tr, query, sites, tz)
      if (!checked.ok) return badQuery(req, reply, checked.problems)
      const p = checked.params
      const loaded = await loadReport(ctx, tr, p, sites, query.table === 'heatmap')
      const name = `thong-ke-${query.table}-${p.siteId ?? 'tat-ca'}-${p.from}-${p.to}-${p.interval}.csv`
      let csv: string
      if (query.table === 'all') csv = usageCsv(loaded.report)
      else {
        const table = reportTables(tr, loaded.report, query.table === 'heatmap' ? loaded.heat : null, { linkLabels: loaded.linkLabels }).find((x) => x.key === query.table)!
        csv = toCsv(
          table.columns.map((c) => c.csv),
          [...table.rows, ...(table.total ? [table.total] : [])].map((r) => r.raw),
        )
      }
      return reply.header('cache-control', 'no-store').header('content-disposition', `attachment; filename="${name}"`).type('text/csv; charset=utf-8').send(csv)
    },
  )
}

/** A download asked for wrongly: the report page's words, as plain text (a browser shows it; a script reads it). */
export function badQuery(req: FastifyRequest, reply: FastifyReply, problems: { message: string }[]) {
  return reply.code(400).type('text/plain; charset=utf-8').send(problems.map((p) => p.message).join('\n'))
}
