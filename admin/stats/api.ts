// GET /api/v1/stats/usage: the figures of core/stats/report.ts for scripts,
// as JSON or as CSV (UTF-8 with a BOM, so that Excel reads Vietnamese).
// Aggregates only: viewers read them, never a device or a session.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../core/context.js'
import { InputError, NotFoundError } from '../../core/errors.js'
import { isDateString, nextDate, type Interval } from '../../core/stats/calendar.js'
import { StatsQueryError, usageReport, type Figures, type UsageReport } from '../../core/stats/report.js'

const count = { type: 'integer', minimum: 0 } as const
const counts = { type: 'object', additionalProperties: count } as const

const figureProperties = {
  sessions: { ...count, description: 'sessions that started in the bucket' },
  uniqueDevices: { ...count, description: 'distinct devices connected at any moment of the bucket (over the whole period for totals, never a sum)' },
  newDevices: { ...count, description: 'of those, devices never seen before (at this site, or anywhere for all sites)' },
  inputOctets: { ...count, description: 'octets from devices, as reported in the bucket' },
  outputOctets: { ...count, description: 'octets to devices, as reported in the bucket' },
  sessionSeconds: { ...count, description: 'connected time within the bucket' },
  peakConcurrent: { ...count, description: 'most sessions connected at one instant' },
  medianSessionSeconds: { type: ['number', 'null'], description: 'of sessions that ended in the bucket' },
  averageSessionSeconds: { type: ['number', 'null'], description: 'of sessions that ended in the bucket' },
  loginMethods: {
    type: 'object',
    required: ['click_through', 'otp', 'voucher', 'mac'],
    properties: { click_through: count, otp: count, voucher: count, mac: count },
  },
  rejects: { ...counts, description: 'Access-Rejects by reason' },
  linkClicks: { ...counts, description: 'clicks by splash-page link key' },
} as const

const figures = { type: 'object', required: Object.keys(figureProperties), properties: figureProperties } as const

export const usageSchema = {
  type: 'object',
  required: ['site', 'from', 'to', 'interval', 'timeZone', 'totals', 'series'],
  properties: {
    site: { type: ['object', 'null'], properties: { id: { type: 'integer' }, name: { type: 'string' } } },
    from: { type: 'string', format: 'date' },
    to: { type: 'string', format: 'date' },
    interval: { type: 'string', enum: ['hour', 'day', 'month'] },
    timeZone: { type: 'string' },
    totals: figures,
    series: {
      type: 'array',
      items: { type: 'object', required: ['start', ...Object.keys(figureProperties)], properties: { start: { type: 'string', description: 'ISO 8601 with the local offset' }, ...figureProperties } },
    },
  },
} as const

const usageQuery = {
  type: 'object',
  required: ['from', 'to'],
  additionalProperties: false,
  properties: {
    site: { type: 'string', maxLength: 200, description: 'a site id or name; omitted for all sites' },
    from: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'first day, local time (YYYY-MM-DD)' },
    to: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'last day, inclusive' },
    interval: { type: 'string', enum: ['hour', 'day', 'month'], default: 'day' },
    format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
  },
} as const

/** Longest period per bucket size, so that one request stays one quick answer. */
export const MAX_DAYS: Record<Interval, number> = { hour: 31, day: 366, month: 3660 }

interface Query {
  site?: string
  from: string
  to: string
  interval: Interval
  format: 'json' | 'csv'
}

const COLUMNS: [string, (f: Figures) => number | null][] = [
  ['Phiên truy cập (sessions)', (f) => f.sessions],
  ['Thiết bị (uniqueDevices)', (f) => f.uniqueDevices],
  ['Thiết bị mới (newDevices)', (f) => f.newDevices],
  ['Tải lên, byte (inputOctets)', (f) => f.inputOctets],
  ['Tải xuống, byte (outputOctets)', (f) => f.outputOctets],
  ['Thời gian kết nối, giây (sessionSeconds)', (f) => f.sessionSeconds],
  ['Cao điểm đồng thời (peakConcurrent)', (f) => f.peakConcurrent],
  ['Trung vị phiên, giây (medianSessionSeconds)', (f) => f.medianSessionSeconds],
  ['Trung bình phiên, giây (averageSessionSeconds)', (f) => f.averageSessionSeconds],
  ['Một chạm (loginMethods.click_through)', (f) => f.loginMethods.click_through],
  ['Mã điện thoại (loginMethods.otp)', (f) => f.loginMethods.otp],
  ['Phiếu (loginMethods.voucher)', (f) => f.loginMethods.voucher],
  ['Thiết bị quen (loginMethods.mac)', (f) => f.loginMethods.mac],
]

function csvCell(v: string | number | null): string {
  if (v === null) return ''
  const s = String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The report as CSV: one row per bucket and a last row of totals; rejects and link clicks one column per key. */
export function usageCsv(r: UsageReport): string {
  const all = [r.totals, ...r.series]
  const rejects = [...new Set(all.flatMap((f) => Object.keys(f.rejects)))].sort()
  const links = [...new Set(all.flatMap((f) => Object.keys(f.linkClicks)))].sort()
  const header = ['Bắt đầu (start)', ...COLUMNS.map(([h]) => h), ...rejects.map((k) => `Từ chối (rejects.${k})`), ...links.map((k) => `Nhấp liên kết (linkClicks.${k})`)]
  const row = (start: string, f: Figures) => [start, ...COLUMNS.map(([, get]) => get(f)), ...rejects.map((k) => f.rejects[k] ?? 0), ...links.map((k) => f.linkClicks[k] ?? 0)]
  const lines = [header, ...r.series.map((s) => row(s.start, s)), row('Tổng (total)', r.totals)]
  return `\uFEFF${lines.map((l) => l.map(csvCell).join(',')).join('\r\n')}\r\n`
}

/** The site named by id or name; null for all sites. */
async function resolveSite(ctx: AppContext, site: string | undefined): Promise<number | null> {
  if (site === undefined || site === '') return null
  const found = /^\d+$/.test(site)
    ? await ctx.db.prisma.site.findUnique({ where: { id: Number(site) }, select: { id: true } }).catch(() => null)
    : await ctx.db.prisma.site.findUnique({ where: { name: site }, select: { id: true } })
  if (!found) throw new NotFoundError(`no site ${site}`)
  return found.id
}

/** Checks a period; returns it or throws InputError. */
export function checkPeriod(from: string, to: string, interval: Interval): void {
  if (!isDateString(from)) throw new InputError('from: not a date (YYYY-MM-DD)', 'from')
  if (!isDateString(to)) throw new InputError('to: not a date (YYYY-MM-DD)', 'to')
  if (to < from) throw new InputError('to: before from', 'to')
  if (nextDate(from, MAX_DAYS[interval]) <= to) throw new InputError(`to: at most ${MAX_DAYS[interval]} days by ${interval}`, 'to')
}

export async function statsApi(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  app.get<{ Querystring: Query }>(
    '/api/v1/stats/usage',
    {
      config: { access: 'stats' },
      schema: {
        summary: 'Usage figures of one site or all sites over a period, in local hours, days or months',
        querystring: usageQuery,
        response: {
          200: {
            description: 'the figures; with format=csv, a CSV table (UTF-8 with BOM), one row per bucket and a row of totals',
            content: { 'application/json': { schema: usageSchema }, 'text/csv': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (req, reply) => {
      const q = req.query
      checkPeriod(q.from, q.to, q.interval)
      const siteId = await resolveSite(ctx, q.site)
      let report: UsageReport
      try {
        report = await usageReport(ctx.db.prisma, { siteId, from: q.from, to: q.to, interval: q.interval }, ctx.config.timeZone)
      } catch (err) {
        if (err instanceof StatsQueryError) throw new InputError(err.message)
        throw err
      }
      if (q.format === 'csv') {
        const name = `citywifi-usage-${siteId ?? 'all'}-${q.from}-${q.to}-${q.interval}.csv`
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(usageCsv(report))
      }
      return report
    },
  )
}
