import type { AppContext, RunningService } from '../core/context.js'
import { listenHttp } from '../core/http/listen.js'
import { serviceLogger } from '../core/logger.js'
import { buildAdmin, type AdminOptions } from './app.js'

export async function startAdmin(base: AppContext, options: AdminOptions = {}): Promise<RunningService> {
  const ctx = { ...base, log: serviceLogger(base.log, 'admin') }
  const app = await buildAdmin(ctx, options)
  const url = await listenHttp(app, ctx.config.listenHost, ctx.config.adminPort, 'the admin app (ADMIN_PORT)')
  return { name: 'admin', addresses: [url], close: () => app.close() }
}
