import type { AppContext, RunningService } from '../core/context.js'
import { listenHttp } from '../core/http/listen.js'
import { serviceLogger } from '../core/logger.js'
import { buildPortal, type PortalOptions } from './app.js'

export async function startPortal(base: AppContext, options: PortalOptions = {}): Promise<RunningService> {
  const ctx = { ...base, log: serviceLogger(base.log, 'portal') }
  const app = await buildPortal(ctx, options)
  const url = await listenHttp(app, ctx.config.listenHost, ctx.config.portalPort, 'the portal (PORTAL_PORT)')
  app.portal.listening(url)
  if (app.portal.sms.name === 'console') ctx.log.info('verification codes go to this log (PORTAL_SMS_GATEWAY=console): for the demo and tests only')
  return { name: 'portal', addresses: [url], close: () => app.close() }
}
