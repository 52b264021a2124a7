// The PDF report: GET /stats/report.pdf for a signed-in official (the link on
// the report page) and GET /api/v1/stats/report.pdf for scripts with a token.
// Same query as the report page; without an interval, the unit that reads
// best for the period (hours for a day or two, days up to a quarter, months).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AppContext } from '../../core/context.js'
import { InputError } from '../../core/errors.js'
import { AdminTranslator } from '../render.js'
import { badQuery } from './pages.js'
import { reportPdf } from './pdf.js'
import { loadReport, readParams, siteChoices, statsQuerySchema, type RawQuery } from './query.js'

const pdfQuery = {
  ...statsQuerySchema,
  properties: {
    ...statsQuerySchema.properties,
    site: { type: 'string', maxLength: 200, description: 'a site id or name; omitted for all sites' },
    from: { ...statsQuerySchema.properties.from, description: 'first day, local time (YYYY-MM-DD); default: the first of this month' },
    to: { ...statsQuerySchema.properties.to, description: 'last day, inclusive (YYYY-MM-DD); default: today' },
    interval: { ...statsQuerySchema.properties.interval, description: 'the charts’ and tables’ unit; default: hour for up to 2 days, day up to 92 days, else month' },
    lang: { type: 'string', enum: ['vi', 'en'], default: 'vi', description: 'the report’s language (Vietnamese unless told)' },
  },
} as const

// A report draws a dozen charts: a person needs a few a minute, a runaway script should not take the admin app with it.
const rateLimit = { max: 20, timeWindow: '1 minute' }

export async function statsPdfRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const tz = ctx.config.timeZone

  /** Reads the query and answers with the PDF; a wrong query gets the page's plain-text 400, or the API's JSON one. */
  const make = async (req: FastifyRequest, reply: FastifyReply, api: boolean): Promise<FastifyReply> => {
    const q = req.query as RawQuery
    // The PDF's language is the query's, not the browser's: a Vietnamese report can be made from an English page.
    const tr = new AdminTranslator(q.lang === 'en' ? 'en' : 'vi', tz)
    const sites = await siteChoices(ctx)
    // Scripts may name the site as the usage API allows: by id or by exact name.
    const byName = q.site && !/^\d+$/.test(q.site) ? sites.find((s) => s.name === q.site) : undefined
    const checked = readParams(tr, { ...q, site: byName ? String(byName.id) : q.site && /^\d+$/.test(q.site) ? q.site : q.site ? '0' : undefined }, sites, tz)
    if (!checked.ok) {
      if (api) throw InputError.of(checked.problems)
      return badQuery(req, reply, checked.problems)
    }
    const p = checked.params
    const loaded = await loadReport(ctx, tr, p, sites)
    const pdf = await reportPdf({ tr, ...loaded, at: new Date() })
    const name = `bao-cao-thong-ke-${p.siteId ?? 'tat-ca'}-${p.from}-${p.to}-${tr.lang}.pdf`
    return reply.header('cache-control', 'no-store').header('content-disposition', `attachment; filename="${name}"`).type('application/pdf').send(pdf)
  }

  app.get('/stats/report.pdf', { config: { access: 'stats', rateLimit }, schema: { querystring: pdfQuery } }, (req, reply) => make(req, reply, false))

  app.get(
    '/api/v1/stats/report.pdf',
    {
      config: { access: 'stats', rateLimit },
      schema: {
        summary: 'The usage report of one site or all sites over a period as a PDF (title, period, a written summary, every figure as a chart and a table)',
        querystring: pdfQuery,
        response: {
          200: { description: 'an A4 PDF, Noto Sans embedded (Vietnamese or English)', content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } },
        },
      },
    },
    (req, reply) => make(req, reply, true),
  )
}
