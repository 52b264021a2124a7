import type { AppContext, RunningService } from '../core/context.js'
import { listenHttp } from '../core/http/listen.js'
import { serviceLogger } from '../core/logger.js'
import { buildPortal } from './app.js'

export async function startPortal(base: AppContext): Promise<RunningService> {
  const ctx = { ...base, log: serviceLogger(base.log, 'portal') }
  const app = await buildPortal(ctx)
  const url = await listenHttp(app, ctx.config.listenHost, ctx.config.portalPort, 'the portal (PORTAL_PORT)')
  return { name: 'portal', addresses: [url], close: () => app.close() }
}
