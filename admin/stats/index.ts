// Statistics for officials (issue #11): the pages, the CSV downloads and the
// PDF report. The JSON/CSV API (/api/v1/stats/usage) is in api.ts, registered
// beside this area in admin/app.ts.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../core/context.js'
import { statsPages } from './pages.js'
import { statsPdfRoutes } from './report-pdf.js'

export async function statsArea(app: FastifyInstance, opts: { ctx: AppContext }) {
  await statsPages(app, opts)
  await statsPdfRoutes(app, opts)
}
