// `citywifi start|radius|portal|admin`: open the database, start the
// services, and stop them cleanly on SIGTERM/SIGINT.
import { createContext } from '../bootstrap.js'
import { loadConfig } from '../config.js'
import type { AppContext, RunningService, ServiceStarter } from '../context.js'
import { createLogger, type ServiceName } from '../logger.js'
import { needsDemo, seedDemo, type DemoCredentials } from '../services/demo.js'
import { checkDiskRoom } from '../db/embedded.js'
import { startMetricsServer } from '../http/metrics.js'
import { startPurgeJob } from '../services/purge-job.js'
import { printDemoCredentials } from './banner.js'
import { write } from './output.js'

export type ServiceStarters = Record<'radius' | 'portal' | 'admin', ServiceStarter>

// systemd's default stop timeout is 90 s, ours is shorter: in-flight work is
// a RADIUS batch commit or an HTTP request, seconds at most.
const SHUTDOWN_LIMIT_MS = 9_000
const CHECKPOINT_MS = 60_000

export async function runServices(names: (keyof ServiceStarters)[], starters: ServiceStarters, opts: { seedDemo: boolean }): Promise<void> {
  const config = loadConfig()
  const log = createLogger(config.logLevel)
  const started = Date.now()
  if (!config.databaseUrl) checkDiskRoom(config.dataDir)
  const ctx: AppContext = await createContext(config, log, { role: 'owner' })
  if (ctx.db.migrated.length) log.info({ applied: ctx.db.migrated }, 'database migrated')

  let demo: DemoCredentials | undefined
  if (opts.seedDemo && config.seedDemo && ctx.db.kind === 'embedded' && (await needsDemo(ctx.db.prisma))) {
    demo = await seedDemo(ctx.db.prisma, ctx.secrets, 'start')
    log.info({ site: demo.site }, 'demo data created')
  }

  const running: RunningService[] = []
  try {
    for (const name of names) running.push(await starters[name](ctx))
    if (!names.includes('admin') && config.metricsPort !== undefined) running.push(await startMetricsServer(ctx, config.metricsPort))
  } catch (err) {
    await Promise.allSettled(running.map((s) => s.close()))
    await ctx.db.close()
    throw err
  }

  // Every copy runs the job; the lock and the audit log make it once an hour across them.
  const purge = startPurgeJob({ pool: ctx.db.pool, prisma: ctx.db.prisma, retention: config.retention, log, metrics: ctx.metrics })
  // PGlite has no background checkpointer: without this its write-ahead log
  // grows without bound (core/db/embedded.ts). Cheap: at most 16 MB of
  // shared buffers to write, and PGlite does not fsync.
  const checkpoint =
    ctx.db.kind === 'embedded'
      ? setInterval(() => ctx.db.pool.query('CHECKPOINT').catch((err: Error) => log.warn({ err }, 'checkpoint of the embedded database failed')), CHECKPOINT_MS)
      : undefined
  checkpoint?.unref()

  const urls = Object.fromEntries(running.map((s) => [s.name, s.addresses[0]])) as Partial<Record<ServiceName, string>>
  if (demo) await printDemoCredentials(demo, urls)
  log.info(
    { services: running.map((s) => s.name), addresses: running.flatMap((s) => s.addresses), database: ctx.db.location, ms: Date.now() - started },
    'citywifi is running',
  )

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'stopping: finishing in-flight work')
    const force = setTimeout(() => {
      log.error('in-flight work did not finish in time; exiting anyway')
      process.exit(1)
    }, SHUTDOWN_LIMIT_MS)
    force.unref()
    void (async () => {
      // Stop accepting first, all at once; then the database they used.
      const results = await Promise.allSettled(running.map((s) => s.close()))
      for (const r of results) if (r.status === 'rejected') log.error({ err: r.reason }, 'a service did not close cleanly')
      clearInterval(checkpoint)
      await purge.close()
      await ctx.db.close()
      log.info('stopped')
      await write('')
      process.exit(0)
    })()
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}
