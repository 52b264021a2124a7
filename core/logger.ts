import { pino, type Logger, type LoggerOptions } from 'pino'
import pretty from 'pino-pretty'
import type { LogLevel } from './config.js'

export type { Logger }
export type ServiceName = 'radius' | 'portal' | 'admin' | 'cli' | 'db'

// Redaction is by path, not by remembering: any field with one of these names,
// at the top level or one level down (pino's wildcard depth), is censored.
const SENSITIVE = [
  'password',
  'passwordHash',
  'newPassword',
  'secret',
  'uamSecret',
  'sharedSecret',
  'secretKey',
  'token',
  'apiToken',
  'otp',
  'otpCode',
  'voucherCode',
  'phone',
  'userPassword',
  'chapPassword',
  'cookie',
  'authorization',
]

export const REDACT_PATHS = [
  ...SENSITIVE,
  ...SENSITIVE.map((k) => `*.${k}`),
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'req.body',
  'req.query.password',
  'req.query.response',
]

const SENSITIVE_KEYS = new Set([...SENSITIVE, 'cookies'].map((k) => k.toLowerCase()))
// `code` is an OTP or voucher when it is a string; numeric codes (exit, RADIUS) stay readable.
const SENSITIVE_STRING_KEYS = new Set(['code'])
const CENSOR = '[redacted]'
const MAX_DEPTH = 8

/**
 * pino's paths reach two levels only; an object nested deeper (a NAS inside
 * a site inside an error's detail) would print its secret. This walks the
 * whole logged object and censors a sensitive key at any depth, copying only
 * what it changes (the caller's objects are never modified).
 */
export function redactDeep(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Error || Buffer.isBuffer(value) || value instanceof Date) return value
  if (seen.has(value) || depth > MAX_DEPTH) return value
  seen.add(value)
  if (Array.isArray(value)) {
    let out: unknown[] | undefined
    value.forEach((v, i) => {
      const r = redactDeep(v, depth + 1, seen)
      if (r !== v) (out ??= [...value])[i] = r
    })
    return out ?? value
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value
  let out: Record<string, unknown> | undefined
  for (const [k, v] of Object.entries(value)) {
    const key = k.toLowerCase()
    const hide = (SENSITIVE_KEYS.has(key) && v !== undefined && v !== null) || (SENSITIVE_STRING_KEYS.has(key) && typeof v === 'string')
    const r = hide ? CENSOR : redactDeep(v, depth + 1, seen)
    if (r !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = r
  }
  return out ?? value
}

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  const options: LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    // Depth beyond pino's paths: every log object (children's bindings: redactChildren).
    formatters: {
      log: (obj) => redactDeep(obj) as Record<string, unknown>,
    },
    base: { pid: process.pid },
  }
  if (destination) return redactChildren(pino(options, destination as pino.DestinationStream))
  // Human-readable on a terminal, JSON lines for journald, files and pipes.
  // pino-pretty runs in-process (no transport worker) to keep memory low.
  if (process.stdout.isTTY) {
    return redactChildren(pino(options, pretty({ sync: true, colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' })))
  }
  return redactChildren(pino(options))
}

// pino applies formatters.bindings to the root's bindings only, not to a
// child's: the child's bindings are walked here. Children inherit from the
// root (Object.create), so this covers grandchildren too.
function redactChildren(root: Logger): Logger {
  const child = root.child
  root.child = function (this: Logger, bindings, options) {
    return child.call(this, redactDeep(bindings) as typeof bindings, options)
  } as typeof root.child
  return root
}

export function serviceLogger(root: Logger, service: ServiceName): Logger {
  return root.child({ service })
}

export interface FailureLogOptions {
  /** One summary line per kind of failure per interval (default a minute). */
  intervalMs?: number
  now?: () => number
}

interface FailureState {
  message: string
  since: number
  total: number
  /** Failures since the last line. */
  unlogged: number
  lastError: string
}

/**
 * Keeps a failure that repeats (every packet while the database is down)
 * from flooding the log: the first failure of a kind is logged in full, then
 * one line per interval with how many more came, and one line when it is
 * over. A kind is a short stable name, such as `accounting-commit`.
 */
export class FailureLog {
  readonly #states = new Map<string, FailureState>()
  readonly #intervalMs: number
  readonly #now: () => number
  #timer: NodeJS.Timeout | undefined

  constructor(
    private readonly log: Logger,
    options: FailureLogOptions = {},
  ) {
    this.#intervalMs = options.intervalMs ?? 60_000
    this.#now = options.now ?? Date.now
  }

  /** Is this kind failing now (failed and not yet recovered)? */
  failing(kind: string): boolean {
    return this.#states.has(kind)
  }

  failed(kind: string, message: string, err?: unknown, detail: Record<string, unknown> = {}): void {
    const state = this.#states.get(kind)
    const text = err instanceof Error ? err.message : err === undefined ? '' : String(err)
    if (state) {
      state.total++
      state.unlogged++
      state.lastError = text
      return
    }
    this.#states.set(kind, { message, since: this.#now(), total: 1, unlogged: 0, lastError: text })
    this.log.error({ kind, err, ...detail }, message)
    if (!this.#timer) {
      this.#timer = setInterval(() => this.flush(), this.#intervalMs)
      this.#timer.unref()
    }
  }

  recovered(kind: string, message = 'recovered'): void {
    const state = this.#states.get(kind)
    if (!state) return
    this.#states.delete(kind)
    this.log.info({ kind, failures: state.total, seconds: Math.round((this.#now() - state.since) / 100) / 10 }, `${state.message}: ${message}`)
    if (!this.#states.size) this.stop()
  }

  /** Writes the summary lines now (the interval timer calls it). */
  flush(): void {
    for (const [kind, state] of this.#states) {
      if (!state.unlogged) continue
      this.log.warn(
        { kind, failures: state.unlogged, total: state.total, intervalSeconds: this.#intervalMs / 1000, lastError: state.lastError },
        `${state.message}: ${state.unlogged} more`,
      )
      state.unlogged = 0
    }
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }
}
