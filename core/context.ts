// What every service and command of one process shares.
import type { MetricObjectWithValues, MetricValue, Registry } from 'prom-client'
import type { Config } from './config.js'
import type { Database } from './db/database.js'
import type { Logger, ServiceName } from './logger.js'
import type { SecretBox } from './secret-box.js'

export interface AppContext {
  config: Config
  log: Logger
  db: Database
  secrets: SecretBox
  metrics: Registry
  /** Metrics of other processes this one speaks for (RADIUS cluster workers): /metrics adds them up. */
  metricSources: (() => Promise<MetricObjectWithValues<MetricValue<string>>[][]>)[]
}

/** A service started by `citywifi start` or alone; closing it finishes in-flight work. */
export interface RunningService {
  name: ServiceName
  /** Where people reach it, for the start-up banner. */
  addresses: string[]
  close(): Promise<void>
}

export type ServiceStarter = (ctx: AppContext) => Promise<RunningService>

/** A port already taken, or another reason a service cannot listen: one clear line. */
export class ListenError extends Error {
  override name = 'ListenError'
}

export function listenErrorMessage(err: NodeJS.ErrnoException, what: string, host: string, port: number): string {
  if (err.code === 'EADDRINUSE') return `${what} cannot listen on ${host}:${port}: the port is already in use`
  if (err.code === 'EACCES') return `${what} cannot listen on ${host}:${port}: permission denied (ports below 1024 need privileges)`
  if (err.code === 'EADDRNOTAVAIL') return `${what} cannot listen on ${host}:${port}: no such address on this machine (LISTEN_HOST)`
  return `${what} cannot listen on ${host}:${port}: ${err.message}`
}
