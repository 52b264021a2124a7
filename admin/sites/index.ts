import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../core/context.js'
import { sitesApi } from './api.js'
import { sitesPages } from './pages.js'

export async function sitesArea(app: FastifyInstance, opts: { ctx: AppContext }) {
  await sitesPages(app, opts)
  await sitesApi(app, opts)
}
