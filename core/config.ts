// The whole configuration, read once from the environment at start-up.
// Every name here is a promise to operators (DESIGN.md): change one only with
// a deprecation path.
import { isIP } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { z } from 'zod'

const port = (fallback: number) =>
  z
    .string()
    .default(String(fallback))
    .refine((v) => /^\d{1,5}$/.test(v) && Number(v) <= 65535, 'a port number from 0 to 65535')
    .transform(Number)

const bool = (fallback: boolean) =>
  z
    .string()
    .default(String(fallback))
    .refine((v) => /^(true|false|1|0|yes|no)$/i.test(v), 'true or false')
    .transform((v) => /^(true|1|yes)$/i.test(v))

const httpUrl = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v)
      return u.protocol === 'http:' || u.protocol === 'https:'
    } catch {
      return false
    }
  }, 'an http:// or https:// URL')

// Retention periods in whole days (docs/privacy.md says which rule each
// default follows; the operator confirms them for their city).
// A limit: a whole number, 0 turns what it limits off.
const count = (fallback: number) =>
  z
    .string()
    .default(String(fallback))
    .refine((v) => /^\d{1,7}$/.test(v), 'a whole number from 0 to 9999999')
    .transform(Number)

const days = (fallback: number, min: number, why: string) =>
  z
    .string()
    .default(String(fallback))
    .refine((v) => /^\d{1,5}$/.test(v) && Number(v) >= min && Number(v) <= 36500, `a whole number of days from ${min} to 36500${why}`)
    .transform(Number)

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

// An SMS gateway URL may hold placeholders ({to}, {text} …) filled per message.
const httpUrlTemplate = z.string().refine((v) => {
  try {
    const u = new URL(v.replace(/\{[a-z_]+\}/g, 'x'))
    return u.protocol === 'http:' || u.protocol === 'https:'
  } catch {
    return false
  }
}, 'an http:// or https:// URL (placeholders {to}, {to_local}, {text}, {sender} allowed)')

const schema = z.object({
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\/.+/.test(v), 'a postgresql://user@host:port/database URL (or leave it unset for the embedded database)')
    .optional(),
  CITYWIFI_DATA_DIR: z.string().min(1, 'a folder path').default('./data'),
  LISTEN_HOST: z
    .string()
    .default('0.0.0.0')
    .refine((v) => isIP(v) !== 0 || v === 'localhost', 'an IPv4 or IPv6 address such as 0.0.0.0 or 127.0.0.1'),
  RADIUS_AUTH_PORT: port(1812),
  RADIUS_ACCT_PORT: port(1813),
  PORTAL_PORT: port(8080),
  ADMIN_PORT: port(8081),
  PORTAL_PUBLIC_URL: httpUrl.optional(),
  LOG_LEVEL: z
    .string()
    .default('info')
    .refine((v): v is (typeof LOG_LEVELS)[number] => (LOG_LEVELS as readonly string[]).includes(v), `one of ${LOG_LEVELS.join(', ')}`),
  CITYWIFI_SEED_DEMO: bool(true),
  CITYWIFI_TIMEZONE: z
    .string()
    .default('Asia/Ho_Chi_Minh')
    .refine((v) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: v })
        return true
      } catch {
        return false
      }
    }, 'an IANA time zone such as Asia/Ho_Chi_Minh'),
  CITYWIFI_SECRET_KEY: z
    .string()
    .refine((v) => /^[0-9a-fA-F]{64}$/.test(v), '64 hexadecimal characters (32 random bytes, e.g. from `openssl rand -hex 32`)')
    .optional(),
  TRUST_PROXY: z
    .string()
    .default('127.0.0.1,::1')
    .refine(
      (v) => v.split(',').every((a) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(a.trim()) && isIP(a.trim().split('/')[0]!) !== 0),
      'a comma-separated list of proxy addresses or networks, such as 127.0.0.1,10.0.0.0/8',
    ),
  // The embedded database's thread (core/db/pglite-worker.ts) runs below RADIUS's priority:
  // idle (with V8's helper threads; core/db/thread-priority.ts) or at a nice value of its own.
  CITYWIFI_PGLITE_NICE: z
    .string()
    .default('idle')
    .refine((v) => v === 'idle' || (/^-?\d{1,2}$/.test(v) && Number(v) >= -20 && Number(v) <= 19), 'idle, or a nice value from -20 to 19')
    .transform((v): number | 'idle' => (v === 'idle' ? 'idle' : Number(v))),
  RADIUS_WORKERS: z
    .string()
    .default('1')
    .refine((v) => v === 'auto' || (/^\d{1,2}$/.test(v) && Number(v) >= 1 && Number(v) <= 64), 'a number of processes from 1 to 64, or auto (one per CPU)')
    .transform((v) => (v === 'auto' ? os.availableParallelism() : Number(v))),
  // Batches of first-login statements of one kind out at once (core/auth/batch.ts): each holds a
  // connection. Unset: 8 on PostgreSQL (a lower p99 than 2 for every kind of first login), 2 on
  // the embedded database, one session that runs one statement at a time: more batches out only
  // made each smaller (a third of the logins/s with 8; docs/performance.md).
  RADIUS_AUTH_BATCHES: z
    .string()
    .refine((v) => /^\d{1,2}$/.test(v) && Number(v) >= 1 && Number(v) <= 16, 'a number from 1 to 16')
    .transform(Number)
    .optional(),
  METRICS_PORT: z
    .string()
    .refine((v) => /^\d{1,5}$/.test(v) && Number(v) <= 65535, 'a port number from 0 to 65535')
    .transform(Number)
    .optional(),
  // The portal's SMS gateway for phone verification (docs/portal.md).
  PORTAL_SMS_GATEWAY: z.enum(['console', 'http'], { message: 'console or http' }).default('console'),
  PORTAL_SMS_URL: httpUrlTemplate.optional(),
  PORTAL_SMS_METHOD: z.enum(['GET', 'POST'], { message: 'GET or POST' }).default('POST'),
  PORTAL_SMS_BODY: z.string().default('to={to}&text={text}&sender={sender}'),
  PORTAL_SMS_CONTENT_TYPE: z.string().min(3, 'a media type').default('application/x-www-form-urlencoded'),
  PORTAL_SMS_USERNAME: z.string().optional(),
  PORTAL_SMS_PASSWORD: z.string().optional(),
  PORTAL_SMS_TOKEN: z.string().optional(),
  PORTAL_SMS_SENDER: z.string().max(11, 'at most 11 characters (an SMS brand name)').default('CITYWIFI'),
  PORTAL_SMS_TIMEOUT_MS: z
    .string()
    .default('10000')
    .refine((v) => /^\d{3,6}$/.test(v), 'milliseconds from 100 to 999999')
    .transform(Number),
  // SMS send limits (docs/portal.md): counted in the database, shared by every portal copy.
  PORTAL_SMS_LIMIT_PHONE_15MIN: count(3),
  PORTAL_SMS_LIMIT_PHONE_DAY: count(10),
  PORTAL_SMS_LIMIT_DEVICE_HOUR: count(5),
  PORTAL_SMS_LIMIT_IP_15MIN: count(30),
  PORTAL_SMS_LIMIT_SITE_HOUR: count(300),
  PORTAL_SMS_LIMIT_NAS_HOUR: count(200),
  PORTAL_SMS_LIMIT_TOTAL_HOUR: count(2000),
  // The accounting spool for database outages (docs/radius.md).
  ACCOUNTING_SPOOL_DIR: z.string().min(1, 'a folder path').optional(),
  ACCOUNTING_SPOOL_MAX_MB: z
    .string()
    .default('512')
    .refine((v) => /^\d{1,7}$/.test(v) && Number(v) >= 1, 'megabytes, a whole number of at least 1')
    .transform(Number),
  ACCOUNTING_SPOOL_AFTER_MS: z
    .string()
    .default('2000')
    .refine((v) => /^\d{2,6}$/.test(v) && Number(v) >= 50, 'milliseconds from 50 to 999999')
    .transform(Number),
  RETENTION_SESSIONS_DAYS: days(365, 32, ' (monthly quotas look back a month)'),
  RETENTION_CONSENTS_DAYS: days(365, 1, ''),
  RETENTION_DEVICES_DAYS: days(365, 1, ''),
  RETENTION_LOGINS_DAYS: days(30, 2, ' (the daily SMS limit per phone looks back a day)'),
  RETENTION_AUDIT_DAYS: days(730, 30, ''),
})

export type LogLevel = (typeof LOG_LEVELS)[number]

export interface SmsConfig {
  gateway: 'console' | 'http'
  url: string | undefined
  method: 'GET' | 'POST'
  body: string
  contentType: string
  username: string | undefined
  password: string | undefined
  token: string | undefined
  sender: string
  timeoutMs: number
}

export interface Config {
  databaseUrl: string | undefined
  dataDir: string
  listenHost: string
  radiusAuthPort: number
  radiusAcctPort: number
  portalPort: number
  adminPort: number
  portalPublicUrl: string
  logLevel: LogLevel
  seedDemo: boolean
  timeZone: string
  secretKeyHex: string | undefined
  /** Proxies whose X-Forwarded-For is believed (the TLS proxy in front of the portal and admin). */
  trustProxy: string[]
  /** RADIUS worker processes sharing the sockets (1: RADIUS runs in the main process). */
  radiusWorkers: number
  /** The embedded database's thread (Linux): SCHED_IDLE with V8's helper threads, or this nice value. */
  pgliteNice: number | 'idle'
  /** Unset: chosen by the database (radius/service.ts). */
  radiusAuthBatches: number | undefined
  /** /metrics for a process without the admin service (`citywifi radius` or `portal` alone). */
  metricsPort: number | undefined
  sms: SmsConfig
  /** SMS send limits of phone verification (core/services/otp.ts OtpLimits). */
  smsLimits: {
    phonePer15Min: number
    phonePerDay: number
    macPerHour: number
    ipPer15Min: number
    sitePerHour: number
    nasPerHour: number
    installationPerHour: number
  }
  /** Where accounting waits while the database cannot take it, its size limit, and how slow a commit may be before it is used. */
  accountingSpool: { dir: string; maxBytes: number; afterMs: number }
  retention: RetentionDays
}

/** How long each kind of personal record is kept, in days (core/services/retention.ts). */
export interface RetentionDays {
  /** Closed sessions, their CoA requests and the daily quota counters, counted from the session's end. */
  sessions: number
  /** Consents, counted from when they expired. */
  consents: number
  /** Devices (MAC addresses), counted from when they were last seen. */
  devices: number
  /** OTP challenges, one-time RADIUS logins, staff sign-ins and failed staff logins. */
  logins: number
  auditLog: number
}

export class ConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'))
    this.name = 'ConfigError'
  }
}

// Shown in error lines: a URL's password never reaches the terminal or a log.
const HIDDEN = new Set(['CITYWIFI_SECRET_KEY', 'PORTAL_SMS_PASSWORD', 'PORTAL_SMS_TOKEN'])

function shown(name: string, value: string): string {
  if (HIDDEN.has(name)) return '(hidden)'
  if (name === 'DATABASE_URL') return value.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@')
  return value
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set": a shell `FOO= citywifi` should not fail.
  const input: Record<string, string> = {}
  for (const key of Object.keys(schema.shape)) {
    const v = env[key]
    if (v !== undefined && v !== '') input[key] = v
  }
  const parsed = schema.safeParse(input)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0])
      return `${name}=${JSON.stringify(shown(name, input[name] ?? ''))} is not valid: expected ${issue.message}`
    })
    throw new ConfigError(lines)
  }
  const e = parsed.data
  if (e.PORTAL_SMS_GATEWAY === 'http' && !e.PORTAL_SMS_URL) {
    throw new ConfigError(['PORTAL_SMS_URL is not set: PORTAL_SMS_GATEWAY=http needs the gateway URL (with {to} and {text} placeholders)'])
  }
  const dataDir = path.resolve(e.CITYWIFI_DATA_DIR)
  const publicHost = e.LISTEN_HOST === '0.0.0.0' || e.LISTEN_HOST === '::' ? '127.0.0.1' : e.LISTEN_HOST
  const defaultPublic = `http://${isIP(publicHost) === 6 ? `[${publicHost}]` : publicHost}:${e.PORTAL_PORT}`
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir,
    listenHost: e.LISTEN_HOST,
    radiusAuthPort: e.RADIUS_AUTH_PORT,
    radiusAcctPort: e.RADIUS_ACCT_PORT,
    portalPort: e.PORTAL_PORT,
    adminPort: e.ADMIN_PORT,
    portalPublicUrl: (e.PORTAL_PUBLIC_URL ?? defaultPublic).replace(/\/+$/, ''),
    logLevel: e.LOG_LEVEL as LogLevel,
    seedDemo: e.CITYWIFI_SEED_DEMO,
    timeZone: e.CITYWIFI_TIMEZONE,
    secretKeyHex: e.CITYWIFI_SECRET_KEY,
    trustProxy: e.TRUST_PROXY.split(',').map((a) => a.trim()),
    metricsPort: e.METRICS_PORT,
    radiusWorkers: e.RADIUS_WORKERS,
    pgliteNice: e.CITYWIFI_PGLITE_NICE,
    radiusAuthBatches: e.RADIUS_AUTH_BATCHES,
    accountingSpool: {
      dir: path.resolve(e.ACCOUNTING_SPOOL_DIR ?? path.join(dataDir, 'accounting-spool')),
      maxBytes: e.ACCOUNTING_SPOOL_MAX_MB * 1024 * 1024,
      afterMs: e.ACCOUNTING_SPOOL_AFTER_MS,
    },
    smsLimits: {
      phonePer15Min: e.PORTAL_SMS_LIMIT_PHONE_15MIN,
      phonePerDay: e.PORTAL_SMS_LIMIT_PHONE_DAY,
      macPerHour: e.PORTAL_SMS_LIMIT_DEVICE_HOUR,
      ipPer15Min: e.PORTAL_SMS_LIMIT_IP_15MIN,
      sitePerHour: e.PORTAL_SMS_LIMIT_SITE_HOUR,
      nasPerHour: e.PORTAL_SMS_LIMIT_NAS_HOUR,
      installationPerHour: e.PORTAL_SMS_LIMIT_TOTAL_HOUR,
    },
    sms: {
      gateway: e.PORTAL_SMS_GATEWAY,
      url: e.PORTAL_SMS_URL,
      method: e.PORTAL_SMS_METHOD,
      body: e.PORTAL_SMS_BODY,
      contentType: e.PORTAL_SMS_CONTENT_TYPE,
      username: e.PORTAL_SMS_USERNAME,
      password: e.PORTAL_SMS_PASSWORD,
      token: e.PORTAL_SMS_TOKEN,
      sender: e.PORTAL_SMS_SENDER,
      timeoutMs: e.PORTAL_SMS_TIMEOUT_MS,
    },
    retention: {
      sessions: e.RETENTION_SESSIONS_DAYS,
      consents: e.RETENTION_CONSENTS_DAYS,
      devices: e.RETENTION_DEVICES_DAYS,
      logins: e.RETENTION_LOGINS_DAYS,
      auditLog: e.RETENTION_AUDIT_DAYS,
    },
  }
}
