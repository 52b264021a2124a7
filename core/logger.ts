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

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  const options: LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
  }
  if (destination) return pino(options, destination as pino.DestinationStream)
  // Human-readable on a terminal, JSON lines for journald, files and pipes.
  // pino-pretty runs in-process (no transport worker) to keep memory low.
  if (process.stdout.isTTY) {
    return pino(options, pretty({ sync: true, colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' }))
  }
  return pino(options)
}

export function serviceLogger(root: Logger, service: ServiceName): Logger {
  return root.child({ service })
}
