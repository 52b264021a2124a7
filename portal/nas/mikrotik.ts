// MikroTik Hotspot with an external login page. The router's login.html
// forwards the browser to the portal with $(mac), $(ip), $(link-login-only),
// $(link-orig), $(chap-id), $(chap-challenge), $(error) (and, if added,
// $(identity) and $(link-logout)). chap-id and chap-challenge come
// octal-escaped ("\273\021…") as RouterOS writes them for JavaScript. The
// login is a form POST to link-login-only with username, password =
// hex MD5(chap-id ‖ password ‖ chap-challenge) and dst; the router then sends
// RADIUS CHAP and, on Access-Accept, redirects to dst. On a reject it shows
// login.html again with $(error) set, which brings the person back here.
import { createHash } from 'node:crypto'
import { isIP } from 'node:net'
import { canonicalMac } from '../../core/mac.js'
import { first, isNasHost, locateByNameOrAddress, originOf, type LoginStep, type MikrotikLogin, type NasAdapter, type NasLogin, type ParseResult } from './types.js'

export function detectMikrotik(query: Record<string, unknown>): boolean {
  return first(query['link-login-only']) !== undefined || first(query['link-login']) !== undefined
}

/** "\273\021a" → bytes; plain characters stand for themselves. */
export function decodeOctalEscapes(text: string): Buffer {
  const bytes: number[] = []
  for (let i = 0; i < text.length; i++) {
    const m = /^\\([0-7]{3})/.exec(text.slice(i, i + 4))
    if (m) {
      bytes.push(parseInt(m[1]!, 8) & 0xff)
      i += 3
    } else {
      bytes.push(text.charCodeAt(i) & 0xff)
    }
  }
  return Buffer.from(bytes)
}

function httpUrl(v: string | undefined): string | undefined {
  if (!v) return undefined
  try {
    const u = new URL(v)
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : undefined
  } catch {
    return undefined
  }
}

export function parseMikrotik(query: Record<string, unknown>): ParseResult {
  const q = (k: string) => first(query[k])?.trim()
  const loginUrl = httpUrl(q('link-login-only') ?? q('link-login'))
  if (!loginUrl) return { ok: false, problem: 'link-login-only is not an http(s) URL' }
  const mac = canonicalMac(q('mac') ?? '')
  if (!mac) return { ok: false, problem: 'mac is missing or not a MAC address' }
  const chapId = decodeOctalEscapes(first(query['chap-id']) ?? '')
  const chapChallenge = decodeOctalEscapes(first(query['chap-challenge']) ?? '')
  if (chapId.length > 1 || chapChallenge.length > 64 || (chapId.length === 1) !== chapChallenge.length > 0) {
    return { ok: false, problem: 'chap-id / chap-challenge are not a CHAP id and challenge' }
  }
  const error = q('error')
  const ip = q('ip')
  const identity = q('identity')
  return {
    ok: true,
    context: {
      vendor: 'mikrotik',
      nasName: identity && /^[\x21-\x7e]{1,64}$/.test(identity) ? identity : undefined,
      clientMac: mac,
      clientIp: ip && isIP(ip) ? ip : undefined,
      userUrl: q('link-orig')?.slice(0, 2048) || undefined,
      state: error ? 'failed' : 'notyet',
      reply: error?.slice(0, 253) || undefined,
      login: {
        vendor: 'mikrotik',
        loginUrl,
        logoutUrl: httpUrl(q('link-logout')),
        chapId: chapId.toString('hex'),
        chapChallenge: chapChallenge.toString('hex'),
      },
    },
  }
}

/** The password field MikroTik expects: CHAP-hashed when the router sent a challenge, else as is (PAP). */
export function mikrotikPassword(login: MikrotikLogin, password: string): string {
  if (!login.chapId) return password
  return createHash('md5').update(Buffer.from(login.chapId, 'hex')).update(password).update(Buffer.from(login.chapChallenge, 'hex')).digest('hex')
}

export function mikrotikLoginStep(login: MikrotikLogin, creds: { username: string; password: string }, dst: string): LoginStep {
  return {
    kind: 'form',
    action: login.loginUrl,
    fields: { username: creds.username, password: mikrotikPassword(login, creds.password), dst, popup: 'false' },
  }
}

export function mikrotikLogoutUrl(login: MikrotikLogin): string {
  return login.logoutUrl ?? new URL('/logout', login.loginUrl).toString()
}

const mikrotik = (login: NasLogin): MikrotikLogin => {
  if (login.vendor !== 'mikrotik') throw new Error(`a ${login.vendor} login given to the MikroTik adapter`)
  return login
}

// MikroTik signs nothing in its redirect: the portal trusts only that the
// browser is sent to the router's own registered addresses, and RADIUS
// (asked by the router, with the router's Calling-Station-Id) decides.
export const mikrotikAdapter: NasAdapter = {
  vendor: 'mikrotik',
  detect: detectMikrotik,
  locate: locateByNameOrAddress('identity'),
  parse: (input) => parseMikrotik(input.query),
  verifyRedirect(_input, context, trust) {
    if (context.login.vendor !== 'mikrotik') return 'not a MikroTik redirect'
    if (context.nasName !== undefined && context.nasName !== trust.nas.name) return 'identity names another NAS'
    for (const url of [context.login.loginUrl, context.login.logoutUrl]) {
      if (url && !isNasHost(trust.nas, new URL(url).host)) return `${url} is not an address of NAS "${trust.nas.name}" (register it with --login-host)`
    }
    return undefined
  },
  loginStep: (context, creds, _trust, returnUrl) => mikrotikLoginStep(mikrotik(context.login), creds, returnUrl),
  logoutUrl: (login) => mikrotikLogoutUrl(mikrotik(login)),
  origins(login) {
    const m = mikrotik(login)
    return [originOf(m.loginUrl), m.logoutUrl && originOf(m.logoutUrl)].filter((o): o is string => !!o)
  },
  signsState: () => false,
  canLoginAgain: () => false,
  portalSessionId: () => undefined,
}
