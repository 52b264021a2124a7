// RADIUS on several cores (RADIUS_WORKERS > 1): worker processes started by
// node:cluster share the two UDP sockets the primary holds, and the kernel
// hands each datagram to whichever worker reads first. One event loop does
// ~15,000 Access-Requests a second on this project's test machine; more
// need more processes (Node 20's dgram has no SO_REUSEPORT, so worker threads
// could not share the port).
//
// What the workers do not share by themselves, they share through the primary:
// the logins they accepted (so that any worker's accounting knows a session
// was authorised), their metrics (added up at /metrics), and the wake-up for
// a Disconnect/CoA the admin app asked for. The first worker alone runs what
// must run once: the CoA sender and the stale-session and statistics jobs.
import cluster, { type Worker } from 'node:cluster'
import path from 'node:path'
import type { MetricObjectWithValues, MetricValue } from 'prom-client'
import { createContext } from '../core/bootstrap.js'
import { loadConfig } from '../core/config.js'
import { ListenError, type AppContext, type RunningService } from '../core/context.js'
import { PROJECT_ROOT } from '../core/db/migrations.js'
import { createLogger, serviceLogger } from '../core/logger.js'
import { coaBus } from '../core/services/coa.js'
import { startRadiusProcess, type AcceptedEntry } from './service.js'

type Metrics = MetricObjectWithValues<MetricValue<string>>[]

type FromWorker =
  | { type: 'ready'; addresses: string[] }
  | { type: 'failed'; message: string }
  | { type: 'accepts'; entries: AcceptedEntry[] }
  | { type: 'metrics'; id: number; metrics: Metrics }

type ToWorker = { type: 'accepts'; entries: AcceptedEntry[] } | { type: 'metrics?'; id: number } | { type: 'coa' } | { type: 'shutdown' }

const WORKER_ENV = 'CITYWIFI_RADIUS_WORKER'
const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 8_000
const METRICS_TIMEOUT_MS = 2_000

export async function startRadiusCluster(ctx: AppContext, count: number): Promise<RunningService> {
  const log = serviceLogger(ctx.log, 'radius')
  cluster.setupPrimary({ exec: path.join(PROJECT_ROOT, 'bin', 'citywifi.js'), args: ['radius-worker'] })
  const workers = new Map<number, Worker>()
  let closing = false
  let nextQuery = 0
  const answers = new Map<number, (m: Metrics) => void>()

  const send = (w: Worker | undefined, msg: ToWorker) => {
    if (w?.isConnected()) w.send(msg)
  }

  const fork = (index: number): Promise<string[]> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork({ [WORKER_ENV]: String(index) })
      workers.set(index, w)
      const timer = setTimeout(() => reject(new Error(`RADIUS worker ${index} did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS)
      w.on('message', (msg: FromWorker) => {
        switch (msg.type) {
          case 'ready':
            clearTimeout(timer)
            resolve(msg.addresses)
            break
          case 'failed':
            clearTimeout(timer)
            reject(new ListenError(msg.message))
            break
          case 'accepts':
            for (const [i, other] of workers) if (i !== index) send(other, msg)
            break
          case 'metrics':
            answers.get(msg.id)?.(msg.metrics)
            break
        }
      })
      // A message to a worker that has just gone fails here, not in the whole primary.
      w.on('error', (err) => log.warn({ err, worker: index }, 'RADIUS worker channel error'))
      w.on('exit', (code, signal) => {
        clearTimeout(timer)
        if (closing || workers.get(index) !== w) return
        log.error({ worker: index, code, signal }, 'RADIUS worker stopped; starting it again')
        setTimeout(() => {
          if (!closing) fork(index).catch((err) => log.error({ err, worker: index }, 'RADIUS worker did not start again'))
        }, 1000).unref()
      })
    })

  const stopAll = async () => {
    closing = true
    await Promise.all(
      [...workers.values()].map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve()
            const timer = setTimeout(() => {
              w.process.kill('SIGKILL')
              resolve()
            }, STOP_TIMEOUT_MS)
            w.once('exit', () => {
              clearTimeout(timer)
              resolve()
            })
            send(w, { type: 'shutdown' })
          }),
      ),
    )
  }

  let addresses: string[]
  try {
    const started = await Promise.all(Array.from({ length: count }, (_, i) => fork(i)))
    addresses = started[0]!
  } catch (err) {
    await stopAll()
    throw err
  }

  const wakeCoa = () => send(workers.get(0), { type: 'coa' })
  coaBus.on('request', wakeCoa)
  const source = async (): Promise<Metrics[]> =>
    Promise.all(
      [...workers.values()].map(
        (w) =>
          new Promise<Metrics>((resolve) => {
            const id = nextQuery++
            const timer = setTimeout(() => {
              answers.delete(id)
              resolve([])
            }, METRICS_TIMEOUT_MS)
            answers.set(id, (m) => {
              clearTimeout(timer)
              answers.delete(id)
              resolve(m)
            })
            send(w, { type: 'metrics?', id })
          }),
      ),
    )
  ctx.metricSources.push(source)
  log.info({ workers: count }, 'RADIUS runs in worker processes')

  return {
    name: 'radius',
    addresses: [...addresses, `${count} worker processes`],
    async close() {
      coaBus.off('request', wakeCoa)
      ctx.metricSources.splice(ctx.metricSources.indexOf(source), 1)
      await stopAll()
    },
  }
}

/** The body of a worker process (`citywifi radius-worker`, started by the primary only). */
export async function runRadiusWorker(): Promise<void> {
  const index = Number(process.env[WORKER_ENV] ?? 0)
  // The callback keeps a closed channel (the primary gone) from becoming an unhandled 'error'.
  const reply = (msg: FromWorker) => process.send?.(msg, undefined, undefined, () => {})
  // The primary decides when to stop: a Ctrl-C reaches every process of the group.
  process.on('SIGINT', () => {})
  process.on('SIGTERM', () => {})
  const config = loadConfig()
  const log = createLogger(config.logLevel).child({ worker: index })
  let service: Awaited<ReturnType<typeof startRadiusProcess>>
  let ctx: AppContext
  try {
    // A client of the database: on the embedded one, through the primary's socket.
    ctx = await createContext(config, log, { role: 'client', poolSize: 4 })
    service = await startRadiusProcess(ctx, {}, { leader: index === 0, index, onAccept: (entries) => reply({ type: 'accepts', entries }) })
  } catch (err) {
    reply({ type: 'failed', message: (err as Error).message })
    process.exit(1)
  }
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await service.close().catch((err) => log.error({ err }, 'RADIUS worker did not close cleanly'))
    await ctx.db.close()
    process.exit(0)
  }
  process.on('message', (msg: ToWorker) => {
    switch (msg.type) {
      case 'accepts':
        for (const [nasId, username, mac, method, voucherId, deviceId, at] of msg.entries) service.accepts.remember(nasId, username, mac, method, voucherId, deviceId, at, false)
        break
      case 'metrics?':
        void ctx.metrics.getMetricsAsJSON().then((metrics) => reply({ type: 'metrics', id: msg.id, metrics: metrics as Metrics }))
        break
      case 'coa':
        coaBus.emit('request')
        break
      case 'shutdown':
        void stop()
        break
    }
  })
  // The primary is gone: nobody will tell us to stop.
  process.on('disconnect', () => void stop())
  reply({ type: 'ready', addresses: service.addresses })
}
