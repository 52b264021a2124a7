// Access-Request: check the packet's own integrity (Message-Authenticator),
// turn PAP or CHAP into a password proof, let core decide, and answer with
// the grant in the NAS's attributes or a reason in words.
import type { AuthCache } from '../core/auth/cache.js'
import { authorize } from '../core/auth/authorize.js'
import type { Decision, PasswordProof } from '../core/auth/types.js'
import type { Logger } from '../core/logger.js'
import { canonicalMac } from '../core/mac.js'
import type { AcceptLog } from './accepts.js'
import type { AuthStats } from './auth-stats.js'
import type { NasClient } from './clients.js'
import { attributePicker, Code, decodeValue, encodeResponse, getRaw, unhidePassword, verifyMessageAuthenticator, type Packet } from './codec/index.js'
import type { DropReason, RadiusMetrics } from './metrics.js'
import { chapProof, papProof } from './proof.js'
import { acceptAttributes, rejectAttributes } from './replies.js'

export type Outcome = { reply: Buffer } | { drop: DropReason }

export interface AccessDeps {
  cache: AuthCache
  accepts: AcceptLog
  stats: AuthStats
  metrics: RadiusMetrics
  log: Logger
}

/**
 * BlastRADIUS (CVE-2024-3596): an Access-Request without a valid
 * Message-Authenticator is dropped, unless an admin deliberately allowed
 * that NAS to omit it. A wrong one is always dropped, as is any EAP request
 * without one (RFC 3579 §3.2).
 */
export function checkRequestIntegrity(p: Packet, nas: NasClient): DropReason | undefined {
  const ma = verifyMessageAuthenticator(p.raw, nas.secret)
  if (ma === 'invalid') return 'bad_message_authenticator'
  if (ma === 'missing' && (!nas.allowMissingMessageAuthenticator || getRaw(p, 'EAP-Message'))) return 'missing_message_authenticator'
  return undefined
}

// What a decision reads of an Access-Request, found in one walk of its attributes.
const REQUEST = attributePicker(['User-Name', 'User-Password', 'CHAP-Password', 'CHAP-Challenge', 'Calling-Station-Id'])
const USER_NAME = REQUEST.defs[0]!
const CALLING_STATION_ID = REQUEST.defs[4]!

function passwordProof(p: Packet, nas: NasClient, hidden: Buffer | undefined, chap: Buffer | undefined, challenge: Buffer | undefined): PasswordProof | undefined {
  if (hidden) {
    const clear = unhidePassword(hidden, nas.secret, p.authenticator)
    return clear ? papProof(clear) : undefined
  }
  if (chap && chap.length === 17) return chapProof(chap, challenge ?? p.authenticator)
  return undefined
}

// One counter per label set, found without building a label object (metrics.ts).
const counters = new WeakMap<RadiusMetrics, Map<'accept' | 'reject', Map<string, { inc(): void }>>>()
function countDecision(metrics: RadiusMetrics, result: 'accept' | 'reject', reason: string) {
  let byResult = counters.get(metrics)
  if (!byResult) counters.set(metrics, (byResult = new Map()))
  let byReason = byResult.get(result)
  if (!byReason) byResult.set(result, (byReason = new Map()))
  let c = byReason.get(reason)
  if (!c) byReason.set(reason, (c = metrics.counts.access.child({ result, reason })))
  c.inc()
}

function answer(p: Packet, nas: NasClient, deps: AccessDeps, decision: Decision, username: string, mac: string | undefined, now: Date): Outcome {
  if (decision.accept) {
    deps.accepts.remember(nas.id, username, mac, decision.method, decision.voucherId, decision.deviceId, now.getTime())
    deps.stats.count(nas.siteId, now, 'accept', decision.method)
    countDecision(deps.metrics, 'accept', decision.method)
    return { reply: encodeResponse(p, Code.AccessAccept, acceptAttributes(decision.grant, nas), nas.secret) }
  }
  deps.stats.count(nas.siteId, now, 'reject', decision.reason)
  countDecision(deps.metrics, 'reject', decision.reason)
  deps.log.debug({ nas: nas.name, reason: decision.reason }, 'access rejected')
  return { reply: encodeResponse(p, Code.AccessReject, rejectAttributes(decision.reason, nas), nas.secret) }
}

/** Synchronous when the cache knows the credential; a Promise when it waits for the database. */
export function handleAccessRequest(p: Packet, nas: NasClient, deps: AccessDeps): Outcome | Promise<Outcome> {
  // checkRequestIntegrity ran in the server, before the duplicate cache.
  const now = new Date()
  const picked = REQUEST.pick(p)
  const nameRaw = picked[0]
  const callingRaw = picked[4]
  const proof = passwordProof(p, nas, picked[1], picked[2], picked[3])
  const name = nameRaw && decodeValue(USER_NAME, nameRaw)
  const username = typeof name === 'string' ? name : ''
  const calling = callingRaw && decodeValue(CALLING_STATION_ID, callingRaw)
  const mac = typeof calling === 'string' ? canonicalMac(calling) : undefined
  if (!username || !proof) {
    return answer(p, nas, deps, { accept: false, reason: username ? 'wrong_password' : 'unknown_user', siteId: nas.siteId }, username, mac, now)
  }
  // The NAS client is a NasInfo as it is: no copy per request.
  const decision = authorize({ username, proof, mac, nas, now }, deps.cache)
  return decision instanceof Promise
    ? decision.then((d) => answer(p, nas, deps, d, username, mac, now))
    : answer(p, nas, deps, decision, username, mac, now)
}
