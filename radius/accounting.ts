// Accounting-Request (RFC 2866): verify, turn into a record, store it, and
// answer only once it is committed.
import type { AccountingRecord, AcctStatus } from '../core/accounting/record.js'
import type { AuthCache } from '../core/auth/cache.js'
import { effectivePolicy } from '../core/auth/policy.js'
import { classifyUser } from '../core/auth/steps.js'
import { DatabaseTimeoutError, isDatabaseUnavailable } from '../core/db/availability.js'
import type { Logger } from '../core/logger.js'
import { canonicalMac } from '../core/mac.js'
import type { AcceptLog } from './accepts.js'
import type { AccountingWriter } from './accounting-writer.js'
import type { NasClient } from './clients.js'
import { Code, encodeResponse, getAttr, valueName, verifyMessageAuthenticator, verifyRequestAuthenticator, type Packet } from './codec/index.js'
import type { Outcome } from './access.js'
import type { DropReason, RadiusMetrics } from './metrics.js'
import { RestartLog } from './restarts.js'

export interface AccountingDeps {
  writer: AccountingWriter
  accepts: AcceptLog
  cache: AuthCache
  metrics: RadiusMetrics
  log: Logger
  /** Acct-Interim-Interval this NAS's sessions were given (the site policy's). */
  interimFor(nas: NasClient): Promise<number>
  /** How long the lookups a record needs may wait for the database (a hung one must not hold the acknowledgement). */
  lookupTimeoutMs?: number
  /** The clock, in ms (tests set it: statistics are checked at known times). */
  now?: () => number
  /** The last Accounting-On/Off accepted from each address (a replay of an old one closes nothing). */
  restarts?: RestartLog
}

function bounded<T>(work: Promise<T>, ms: number | undefined, what: string): Promise<T> {
  if (!ms) return work
  let timer: NodeJS.Timeout
  return Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new DatabaseTimeoutError(what, ms)), ms)))]).finally(() =>
    clearTimeout(timer),
  )
}

const STATUS: Record<number, AcctStatus | 'on' | 'off'> = { 1: 'start', 2: 'stop', 3: 'interim', 7: 'on', 8: 'off' }

const GIGA = 2n ** 32n

function octets(p: Packet, low: string, high: string): bigint {
  const lo = getAttr(p, low)
  const hi = getAttr(p, high)
  return (typeof hi === 'number' ? BigInt(hi) * GIGA : 0n) + (typeof lo === 'number' ? BigInt(lo) : 0n)
}

const text = (p: Packet, name: string): string | null => {
  const v = getAttr(p, name)
  return typeof v === 'string' && v ? v : v instanceof Buffer ? v.toString('utf8') : typeof v === 'number' ? String(v) : null
}

/** Where this session's login came from, if this process accepted it. */
async function origin(deps: AccountingDeps, nas: NasClient, username: string, mac: string | null, now: number) {
  const accepted = deps.accepts.find(nas.id, username, mac, now)
  if (accepted) return { authorized: true, method: accepted.method, voucherId: accepted.voucherId }
  // Not seen accepted here: still stored, flagged, and tied to its voucher when the name is one.
  const user = classifyUser(username)
  if (user.kind === 'voucher') {
    const v = await deps.cache.voucher(user.code, now)
    return { authorized: false, method: v ? ('voucher' as const) : null, voucherId: v?.id ?? null }
  }
  return { authorized: false, method: user.kind === 'mac' ? ('mac' as const) : null, voucherId: null }
}

/** RFC 2866 §3: the Request Authenticator is the NAS's signature; a Message-Authenticator, when present, must match too. */
export function checkAccountingIntegrity(p: Packet, nas: NasClient): DropReason | undefined {
  if (!verifyRequestAuthenticator(p.raw, nas.secret)) return 'bad_authenticator'
  if (verifyMessageAuthenticator(p.raw, nas.secret) === 'invalid') return 'bad_message_authenticator'
  return undefined
}

/** For a request checkAccountingIntegrity passed (the server checks it before the duplicate cache). */
export async function handleAccountingRequest(p: Packet, nas: NasClient, source: string, deps: AccountingDeps): Promise<Outcome> {
  const statusType = getAttr(p, 'Acct-Status-Type')
  const status = typeof statusType === 'number' ? STATUS[statusType] : undefined
  const delay = getAttr(p, 'Acct-Delay-Time')
  const now = deps.now?.() ?? Date.now()
  const eventTime = new Date(now - (typeof delay === 'number' ? Math.min(delay, 86_400) : 0) * 1000)
  const ack = () => ({ reply: encodeResponse(p, Code.AccountingResponse, [], nas.secret) })

  if (status === 'on' || status === 'off') {
    const restarts = (deps.restarts ??= new RestartLog())
    const stamp = getAttr(p, 'Event-Timestamp')
    const stampSeconds = stamp instanceof Date ? stamp.getTime() / 1000 : null
    const authenticator = p.raw.subarray(4, 20)
    const key = `${nas.id}|${source}`
    if (!restarts.fresh(key, stampSeconds, authenticator)) {
      // Acknowledged, so that a NAS resending it stops; nothing is closed again.
      deps.metrics.accounting.inc({ status: 'ignored' })
      deps.log.warn({ nas: nas.name, source, status }, 'Accounting-On/Off older than the last one from this address ignored (a replay)')
      return ack()
    }
    // A NAS registered as a network is many access points: one restarting
    // closes its own sessions (those it sent from this address), not its neighbours'.
    const onlyFrom = nas.address.includes('/') ? source : undefined
    let closed: number
    try {
      closed = await deps.writer.closeNasSessions(nas.id, eventTime, onlyFrom)
    } catch {
      return { drop: 'store_failed' }
    }
    restarts.accepted(key, stampSeconds, authenticator)
    deps.metrics.accounting.inc({ status: status === 'on' ? 'accounting_on' : 'accounting_off' })
    deps.log.info({ nas: nas.name, closed, status }, 'NAS restarted: its open sessions are closed')
    return ack()
  }
  if (!status) {
    // Types we keep nothing of (Failed, Tunnel-*): acknowledged so the NAS stops resending.
    deps.metrics.accounting.inc({ status: 'ignored' })
    return ack()
  }
  const acctSessionId = text(p, 'Acct-Session-Id')
  if (!acctSessionId) return { drop: 'bad_request' }
  const username = text(p, 'User-Name') ?? ''
  const calling = text(p, 'Calling-Station-Id')
  const mac = calling ? (canonicalMac(calling) ?? null) : null
  const sessionTime = getAttr(p, 'Acct-Session-Time')
  const cause = getAttr(p, 'Acct-Terminate-Cause')
  // While the database is away the record is still taken (and spooled): the
  // voucher it belongs to is looked up again when it is replayed.
  const from = await bounded(origin(deps, nas, username, mac, now), deps.lookupTimeoutMs, 'voucher lookup').catch((err: unknown) => {
    if (!isDatabaseUnavailable(err)) throw err
    const user = classifyUser(username)
    return { authorized: false, method: user.kind === 'voucher' ? ('voucher' as const) : user.kind === 'mac' ? ('mac' as const) : null, voucherId: null }
  })
  const interimSeconds = await bounded(Promise.resolve(deps.interimFor(nas)), deps.lookupTimeoutMs, 'policy lookup').catch((err: unknown) => {
    if (!isDatabaseUnavailable(err)) throw err
    return effectivePolicy(null).interimSeconds
  })
  const record: AccountingRecord = {
    nasId: nas.id,
    siteId: nas.siteId,
    acctSessionId,
    status,
    username,
    mac,
    framedIp: text(p, 'Framed-IP-Address'),
    calledStation: text(p, 'Called-Station-Id'),
    nasPort: text(p, 'NAS-Port-Id') ?? text(p, 'NAS-Port'),
    nasIp: source,
    eventTime,
    sessionSeconds: typeof sessionTime === 'number' ? sessionTime : 0,
    inputOctets: octets(p, 'Acct-Input-Octets', 'Acct-Input-Gigawords'),
    outputOctets: octets(p, 'Acct-Output-Octets', 'Acct-Output-Gigawords'),
    terminateCause: typeof cause === 'number' ? (valueName('Acct-Terminate-Cause', cause) ?? String(cause)) : null,
    interimSeconds,
    authorized: from.authorized,
    method: from.method,
    voucherId: from.voucherId,
  }
  try {
    await deps.writer.store(record)
  } catch {
    // Not stored, so not acknowledged: the NAS will send it again.
    return { drop: 'store_failed' }
  }
  deps.metrics.accounting.inc({ status })
  return ack()
}
