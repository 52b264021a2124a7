import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../core/context.js'
import { nasApi } from './api.js'
import { nasPages } from './pages.js'

export async function nasArea(app: FastifyInstance, opts: { ctx: AppContext }) {
  await nasPages(app, opts)
  await nasApi(app, opts)
}
