// The RADIUS service: sockets, the NAS registry and caches, the handlers,
// the accounting writer, the CoA worker and the periodic jobs, started and
// stopped together. With RADIUS_WORKERS above 1 this runs in each worker
// process of cluster.ts, which share the two sockets.
import cluster from 'node:cluster'
import path from 'node:path'
import { AuthCache } from '../core/auth/cache.js'
import { AuthStore } from '../core/auth/store.js'
import { closeStaleSessions, markNasSeen, openSessionCount } from '../core/accounting/maintenance.js'
import { FoldPacer, foldStats, SERVICE_FOLD_BATCH } from '../core/stats/fold.js'
import { purgeWorkingData } from '../core/accounting/working-data.js'
import type { AppContext, RunningService } from '../core/context.js'
import { isDatabaseUnavailable } from '../core/db/availability.js'
import { JobLeases } from '../core/db/lease.js'
import { FailureLog, serviceLogger } from '../core/logger.js'
import { changeBus, changesSince, latestChangeId } from '../core/services/changes.js'
import { AcceptLog, type AcceptedTuple as AcceptedEntry } from './accepts.js'
import { checkRequestIntegrity, handleAccessRequest } from './access.js'
import { checkAccountingIntegrity, handleAccountingRequest } from './accounting.js'
import { AccountingWriter } from './accounting-writer.js'
import { AuthStats } from './auth-stats.js'
import { NasRegistry, type NasClient } from './clients.js'
import { CoaClient, CoaWorker } from './coa.js'
import { Code } from './codec/index.js'
import { radiusMetrics } from './metrics.js'
import { QuotaWatch } from './quota-watch.js'
import { RestartLog } from './restarts.js'
import { bindUdp, RadiusServer } from './server.js'
import { AccountingSpool } from './spool.js'
import { handleStatusServer } from './status.js'

const PURGE_INTERVAL_MS = 3_600_000

export interface RadiusOptions {
  /** How often the change log and the jobs run (tests shorten them). */
  changePollMs?: number
  jobIntervalMs?: number
  /** The clock of accounting and the periodic jobs (tests set it). */
  now?: () => Date
}

/** What a worker of cluster.ts is told about its place. */
export interface WorkerRole {
  /** The first worker also runs what must run once: CoA, stale sessions, peak concurrency. */
  leader: boolean
  /** Logins this worker accepted, for the other workers' accounting (AcceptLog). */
  onAccept(entries: AcceptedEntry[]): void
  /** Which worker: each has an accounting spool of its own. */
  index?: number
}

export type { AcceptedTuple as AcceptedEntry } from './accepts.js'

export async function startRadius(base: AppContext, options: RadiusOptions = {}): Promise<RunningService> {
  if (base.config.radiusWorkers > 1 && cluster.isPrimary) {
    const { startRadiusCluster } = await import('./cluster.js')
    return startRadiusCluster(base, base.config.radiusWorkers)
  }
  return startRadiusProcess(base, options)
}

export async function startRadiusProcess(base: AppContext, options: RadiusOptions = {}, role?: WorkerRole): Promise<RunningService & { accepts: AcceptLog; leases: JobLeases }> {
  const log = serviceLogger(base.log, 'radius')
  const { prisma, pool } = base.db
  const metrics = radiusMetrics(base.metrics)
  const registry = new NasRegistry(prisma, base.secrets)
  metrics.nasClients.set(await registry.load())
  const cache = new AuthCache(new AuthStore(prisma, pool, base.secrets, base.config.timeZone, { prepared: base.db.kind === 'postgres' }), {
    onOutageDecision: () => metrics.outageCacheDecisions.inc(),
    batchesInFlight: base.config.radiusAuthBatches ?? (base.db.kind === 'postgres' ? 8 : 2),
  })
  const accepts = new AcceptLog()
  const stats = new AuthStats(prisma, log)
  // Per NAS, when a valid packet last came: a record updated in place, not a Date per packet.
  const seen = new Map<number, { at: number }>()

  // During an outage every packet fails the same way: one line per kind a minute, and one when it is over.
  const failures = new FailureLog(log)
  const { accountingSpool } = base.config
  const spool = AccountingSpool.open(role ? path.join(accountingSpool.dir, `worker-${role.index ?? 0}`) : accountingSpool.dir, accountingSpool.maxBytes)
  const quotas = new QuotaWatch(prisma, cache, log)
  const writer = new AccountingWriter(
    pool,
    base.config.timeZone,
    metrics,
    log,
    (changes, records) => {
      // What accounting changed is read again at the next login; until then
      // the old entry stays, to decide logins if the database goes away.
      for (const r of records) {
        if (r.mac) cache.refreshDevice(r.mac)
        if (r.voucherId !== null) cache.refreshVoucher(r.voucherId)
      }
      quotas.committed(changes)
    },
    // PostgreSQL overlaps one transaction's WAL flush with the next; PGlite is one session.
    base.db.kind === 'postgres' ? 2 : 1,
    { spool, spoolAfterMs: accountingSpool.afterMs, failures },
  )
  // What the cache could not decide while the database is away gets no reply,
  // so that the NAS asks its other RADIUS server (or the user tries again).
  const undecided = (err: unknown): { drop: 'database_unavailable' } => {
    if (!isDatabaseUnavailable(err)) throw err
    failures.failed('auth-database', 'Access-Requests the cache cannot decide get no reply: the database does not answer', err)
    return { drop: 'database_unavailable' }
  }
  const answeredFromDatabase = <T>(outcome: T): T => {
    if (failures.failing('auth-database')) failures.recovered('auth-database', 'the database answers again')
    return outcome
  }
  const clock = options.now ? () => options.now!().getTime() : undefined
  const interimFor = async (nas: NasClient) => (await cache.policyForSite(nas.siteId)).interimSeconds
  const restarts = new RestartLog()

  const server = new RadiusServer(
    registry,
    {
      verify: (p, nas) => (p.code === Code.AccessRequest ? checkRequestIntegrity(p, nas) : checkAccountingIntegrity(p, nas)),
      access: (p, nas) => {
        const outcome = handleAccessRequest(p, nas, { cache, accepts, stats, metrics, log })
        return outcome instanceof Promise ? outcome.then(answeredFromDatabase, undecided) : outcome
      },
      accounting: (p, nas, source) =>
        handleAccountingRequest(p, nas, source, {
          writer,
          accepts,
          cache,
          metrics,
          log,
          interimFor,
          lookupTimeoutMs: accountingSpool.afterMs,
          now: clock,
          restarts,
        }),
      status: handleStatusServer,
      seen: (nas) => {
        const s = seen.get(nas.id)
        if (s) s.at = Date.now()
        else seen.set(nas.id, { at: Date.now() })
      },
    },
    metrics,
    log,
  )

  const { listenHost, radiusAuthPort, radiusAcctPort } = base.config
  // Workers share the sockets the cluster's primary holds.
  const shared = role !== undefined
  const auth = await bindUdp(listenHost, radiusAuthPort, 'RADIUS authentication (RADIUS_AUTH_PORT)', shared)
  const acct = await bindUdp(listenHost, radiusAcctPort, 'RADIUS accounting (RADIUS_ACCT_PORT)', shared).catch((err) => {
    auth.close()
    throw err
  })
  server.attach(auth, 'auth')
  server.attach(acct, 'acct')

  const leader = role?.leader ?? true
  const coaClient = new CoaClient()
  const coa = leader ? new CoaWorker(prisma, registry, coaClient, metrics, log) : undefined
  coa?.start()
  const shareAccepts = role
    ? setInterval(() => {
        const entries = accepts.takeNew()
        if (entries.length) role.onAccept(entries)
      }, 200)
    : undefined
  shareAccepts?.unref()

  // Follow the change log: NAS edits reload the registry, others drop cache entries.
  let lastChange = await latestChangeId(prisma)
  const followChanges = async () => {
    const changes = await changesSince(prisma, lastChange)
    for (const c of changes) {
      lastChange = c.id
      cache.applyChange(c)
      if (c.kind === 'nas' || c.kind === 'all') metrics.nasClients.set(await registry.load())
    }
  }
  // What must run once per period across copies on one database (and across
  // a cluster's workers, though only the first worker asks) takes a lease.
  const leases = new JobLeases(pool)
  const jobIntervalMs = options.jobIntervalMs ?? 10_000
  const foldPacer = new FoldPacer()
  const jobs = async () => {
    const now = options.now?.() ?? new Date()
    const flushSeen = new Map([...seen].map(([id, s]) => [id, new Date(s.at)]))
    seen.clear()
    for (const [id, at] of flushSeen) {
      const nas = registry.byId(id)
      if (nas) metrics.nasLastSeen.set({ nas: nas.name }, at.getTime() / 1000)
    }
    await markNasSeen(prisma, flushSeen)
    await stats.flush()
    // Every copy tries when its pacer says so; one folds at a time (an advisory lock), the others go on.
    if (foldPacer.due()) {
      const steps: Record<string, number> = {}
      const started = performance.now()
      const folded = await foldStats(pool, base.config.timeZone, now, { batch: SERVICE_FOLD_BATCH, steps })
      const ms = performance.now() - started
      if (folded.ran) foldPacer.ran(started, ms)
      if (folded.changes) log.debug({ ...folded, ms: Math.round(ms), steps }, 'folded statistics')
    }
    if (!leader) return
    await leases.runOnce('stale-sessions', jobIntervalMs, async () => {
      const stale = await closeStaleSessions(prisma, now)
      if (stale) log.info({ sessions: stale }, 'closed stale sessions')
    })
    metrics.openSessions.set(await openSessionCount(prisma))
    // Once an hour is enough for rows kept a day or two.
    await leases.runOnce('working-data-purge', PURGE_INTERVAL_MS, async () => {
      const purged = await purgeWorkingData(prisma, now)
      if (Object.values(purged).some((n) => n > 0)) log.info({ purged }, 'deleted working data past its use')
    })
  }
  // A job still running when the service closes is awaited (for a while): the pool ends right after.
  const inFlight = new Set<Promise<void>>()
  const every = (ms: number, what: string, fn: () => Promise<void>) => {
    let running = false
    const t = setInterval(() => {
      if (running) return
      running = true
      const run = fn()
        .then(
          () => failures.recovered(`job:${what}`),
          (err) => failures.failed(`job:${what}`, `${what} failed`, err),
        )
        .finally(() => {
          running = false
          inFlight.delete(run)
        })
      inFlight.add(run)
    }, ms)
    t.unref()
    return t
  }
  const timers = [every(options.changePollMs ?? 2000, 'following changes', followChanges), every(jobIntervalMs, 'periodic jobs', jobs)]
  // A change committed in this process (the admin app beside RADIUS) is read at once.
  let following: Promise<void> | undefined
  let followAgain = false
  const onChanged = () => {
    if (following) {
      followAgain = true
      return
    }
    following = followChanges()
      .catch((err) => log.warn({ err }, 'following changes failed'))
      .finally(() => {
        following = undefined
        if (followAgain) {
          followAgain = false
          onChanged()
        }
      })
  }
  changeBus.on('changed', onChanged)

  const port = (s: typeof auth) => s.address().port
  log.info({ nas: registry.size }, 'RADIUS ready')
  return {
    name: 'radius',
    accepts,
    leases,
    addresses: [`udp://${listenHost}:${port(auth)} (auth)`, `udp://${listenHost}:${port(acct)} (accounting)`],
    async close() {
      changeBus.off('changed', onChanged)
      await following
      for (const t of timers) clearInterval(t)
      clearInterval(shareAccepts)
      // Bounded: a database that hangs (not refuses) must not hold the shutdown.
      await Promise.race([Promise.all(inFlight), new Promise((r) => setTimeout(r, 5_000).unref())])
      await server.close()
      await writer.close()
      await quotas.drain()
      await coa?.stop()
      coaClient.close()
      await Promise.all([auth, acct].map((s) => new Promise<void>((r) => s.close(() => r()))))
      // Last statistics and last-seen times, before the database closes.
      await jobs().catch((err) => log.warn({ err }, 'final jobs failed'))
      failures.stop()
    },
  }
}
