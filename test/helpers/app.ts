// A running citywifi for a test: a fresh database, the chosen services on
// port 0, closed when the test ends.
import type { Test } from 'tap'
import { createContext } from '../../core/bootstrap.js'
import { loadConfig } from '../../core/config.js'
import type { AppContext, RunningService, ServiceStarter } from '../../core/context.js'
import { createLogger } from '../../core/logger.js'
import { startAdmin } from '../../admin/service.js'
import { startPortal } from '../../portal/service.js'
import { startRadius } from '../../radius/service.js'
import { freshDatabase, type DbKind, type TestDatabase } from './databases.js'

const STARTERS: Record<'radius' | 'portal' | 'admin', ServiceStarter> = { radius: startRadius, portal: startPortal, admin: startAdmin }

export interface TestApp {
  ctx: AppContext
  database: TestDatabase
  services: Record<string, RunningService>
  /** http://127.0.0.1:<port> of the portal and admin, when started. */
  portalUrl: string
  adminUrl: string
}

export const TEST_PORTS = { LISTEN_HOST: '127.0.0.1', RADIUS_AUTH_PORT: '0', RADIUS_ACCT_PORT: '0', PORTAL_PORT: '0', ADMIN_PORT: '0' }

/** A context on a fresh database, without services. */
export async function testContext(t: Test, kind: DbKind, env: Record<string, string> = {}): Promise<{ ctx: AppContext; database: TestDatabase }> {
  const database = await freshDatabase(kind)
  const config = loadConfig({ ...TEST_PORTS, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...database.env, ...env })
  const log = createLogger(config.logLevel, process.stderr)
  const ctx = await createContext(config, log, { role: 'owner' })
  t.teardown(async () => {
    await ctx.db.close()
    await database.drop()
  })
  return { ctx, database }
}

/** Starts services on a context made by testContext (seed the database first, then start). */
export async function startServices(t: Test, ctx: AppContext, names: (keyof typeof STARTERS)[]): Promise<Record<string, RunningService>> {
  const services: Record<string, RunningService> = {}
  for (const name of names) {
    const s = await STARTERS[name](ctx)
    services[name] = s
    // Teardowns run in reverse order: services close before the database.
    t.teardown(() => s.close())
  }
  return services
}

export async function startTestApp(
  t: Test,
  kind: DbKind,
  names: (keyof typeof STARTERS)[] = ['radius', 'portal', 'admin'],
  env: Record<string, string> = {},
): Promise<TestApp> {
  const { ctx, database } = await testContext(t, kind, env)
  const services = await startServices(t, ctx, names)
  return {
    ctx,
    database,
    services,
    portalUrl: services.portal?.addresses[0] ?? '',
    adminUrl: services.admin?.addresses[0] ?? '',
  }
}
