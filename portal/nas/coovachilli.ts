// CoovaChilli (UAM). Chilli redirects an unauthenticated browser to the portal
// with ?res=notyet&uamip=…&uamport=…&challenge=…&called=…&mac=…&ip=…&nasid=…
// &sessionid=…&userurl=…&md=…, where md is the uppercase hex MD5 of the whole
// URL before "&md=" followed by the UAM secret. The portal logs the browser in
// by sending it to http://uamip:uamport/logon?username=…&response=…, with
// response = MD5(ident 0 ‖ password ‖ challenge'), challenge' being
// MD5(challenge ‖ UAM secret) when a secret is set (chilli then puts
// challenge' in CHAP-Challenge and 0 ‖ response in CHAP-Password). After
// asking RADIUS, chilli redirects back with res=success (timeleft, userurl),
// res=failed (reply = Reply-Message), res=already or, after /logoff,
// res=logoff. A `lang` given to /logon comes back in those redirects.
import { createHash, timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'
import { canonicalMac } from '../../core/mac.js'
import { first, isNasHost, locateByNameOrAddress, type CoovaLogin, type LoginStep, type NasAdapter, type NasLogin, type NasState, type ParseResult } from './types.js'

const STATES: Record<string, NasState> = {
  notyet: 'notyet',
  success: 'success',
  popup2: 'success',
  failed: 'failed',
  already: 'already',
  logoff: 'logoff',
  popup3: 'logoff',
}

export function detectCoova(query: Record<string, unknown>): boolean {
  return first(query.res) !== undefined && first(query.uamip) !== undefined
}

function md5(...parts: (Buffer | string)[]): Buffer {
  const h = createHash('md5')
  for (const p of parts) h.update(p)
  return h.digest()
}

export function parseCoova(query: Record<string, unknown>): ParseResult {
  const q = (k: string) => first(query[k])?.trim()
  const res = q('res') ?? ''
  const state = STATES[res] ?? 'notyet'
  const uamip = q('uamip') ?? ''
  if (isIP(uamip) === 0) return { ok: false, problem: 'uamip is not an IP address' }
  const port = Number(q('uamport'))
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, problem: 'uamport is not a port number' }
  const mac = canonicalMac(q('mac') ?? '')
  if (!mac) return { ok: false, problem: 'mac is missing or not a MAC address' }
  const challenge = (q('challenge') ?? '').toLowerCase()
  if (challenge && !/^[0-9a-f]{32}$/.test(challenge)) return { ok: false, problem: 'challenge is not 16 bytes of hex' }
  if (state === 'notyet' && !challenge) return { ok: false, problem: 'challenge is missing' }
  const ip = q('ip')
  const nasid = q('nasid')
  const timeleft = Number(q('timeleft'))
  return {
    ok: true,
    context: {
      vendor: 'coovachilli',
      nasName: nasid && /^[\x21-\x7e]{1,64}$/.test(nasid) ? nasid : undefined,
      apMac: canonicalMac(q('called') ?? ''),
      clientMac: mac,
      clientIp: ip && isIP(ip) ? ip : undefined,
      userUrl: q('userurl')?.slice(0, 2048) || undefined,
      state,
      reply: q('reply')?.slice(0, 253) || undefined,
      timeLeft: Number.isInteger(timeleft) && timeleft > 0 ? timeleft : undefined,
      login: { vendor: 'coovachilli', uamip, uamport: port, challenge },
    },
  }
}

/**
 * Checks `md` against the URL the browser asked for. Chilli hashed the URL it
 * built from its uamserver setting; behind a proxy the portal sees another
 * scheme or host, so each way the portal may be named is tried
 * (`candidates`: "http://host:port" prefixes) with the raw path and query.
 */
export function verifyCoovaChecksum(rawPathAndQuery: string, candidates: string[], uamSecret: string): boolean {
  const at = rawPathAndQuery.lastIndexOf('&md=')
  if (at < 0) return false
  const given = rawPathAndQuery.slice(at + 4).split('&')[0]!
  if (!/^[0-9A-Fa-f]{32}$/.test(given)) return false
  const want = Buffer.from(given, 'hex')
  const signed = rawPathAndQuery.slice(0, at)
  // Every candidate is computed and compared in constant time.
  let ok = false
  for (const prefix of candidates) if (timingSafeEqual(md5(prefix + signed, uamSecret), want)) ok = true
  return ok
}

/**
 * The parameters before `&md=`: the only ones md covers. Anything after it
 * (a second `mac=`, another `uamip=`) could have been added by anyone.
 */
export function signedQuery(rawPathAndQuery: string): Record<string, string[]> | undefined {
  const q = rawPathAndQuery.indexOf('?')
  const at = rawPathAndQuery.lastIndexOf('&md=')
  if (q < 0 || at < q) return undefined
  const out: Record<string, string[]> = {}
  for (const [k, v] of new URLSearchParams(rawPathAndQuery.slice(q + 1, at))) (out[k] ??= []).push(v)
  return out
}

/** CHAP response for /logon, as CoovaChilli's own hotspotlogin computes it. */
export function coovaChapResponse(challengeHex: string, password: string, uamSecret?: string): string {
  const challenge = Buffer.from(challengeHex, 'hex')
  const effective = uamSecret ? md5(challenge, uamSecret) : challenge
  return md5(Buffer.from([0]), password, effective).toString('hex')
}

function base(login: CoovaLogin): string {
  const host = isIP(login.uamip) === 6 ? `[${login.uamip}]` : login.uamip
  return `http://${host}:${login.uamport}`
}

export function coovaLoginStep(
  login: CoovaLogin,
  creds: { username: string; password: string },
  uamSecret: string | undefined,
  userUrl?: string,
  lang?: string,
): LoginStep {
  const url = new URL('/logon', base(login))
  url.searchParams.set('username', creds.username)
  url.searchParams.set('response', coovaChapResponse(login.challenge, creds.password, uamSecret))
  if (userUrl) url.searchParams.set('userurl', userUrl)
  // chilli keeps `lang` and puts it back in its redirect to the portal, so
  // the result page comes in the language the person chose.
  if (lang) url.searchParams.set('lang', lang)
  return { kind: 'redirect', url: url.toString() }
}

export function coovaLogoutUrl(login: CoovaLogin): string {
  return `${base(login)}/logoff`
}

export function coovaOrigin(login: CoovaLogin): string {
  return base(login)
}

const coova = (login: NasLogin): CoovaLogin => {
  if (login.vendor !== 'coovachilli') throw new Error(`a ${login.vendor} login given to the CoovaChilli adapter`)
  return login
}

export const coovaAdapter: NasAdapter = {
  vendor: 'coovachilli',
  detect: detectCoova,
  locate: locateByNameOrAddress('nasid'),
  parse(input, trust) {
    // With a UAM secret only the signed part of the URL is read.
    if (trust.secret) {
      const signed = signedQuery(input.rawUrl)
      if (!signed) return { ok: false, problem: 'md is missing: this NAS has a UAM secret' }
      return parseCoova(signed)
    }
    return parseCoova(input.query)
  },
  verifyRedirect(input, context, trust) {
    if (context.login.vendor !== 'coovachilli') return 'not a CoovaChilli redirect'
    if (context.nasName !== undefined && context.nasName !== trust.nas.name) return 'nasid names another NAS'
    if (trust.secret) {
      return verifyCoovaChecksum(input.rawUrl, input.portalPrefixes, trust.secret) ? undefined : 'the md checksum does not match the UAM secret of this NAS'
    }
    // No UAM secret: nothing proves the redirect, so the browser goes only to the NAS's own addresses.
    const host = isIP(context.login.uamip) === 6 ? `[${context.login.uamip}]` : context.login.uamip
    return isNasHost(trust.nas, `${host}:${context.login.uamport}`) ? undefined : `uamip ${context.login.uamip} is not an address of NAS "${trust.nas.name}" (register it with --login-host)`
  },
  loginStep(context, creds, trust, _returnUrl, lang) {
    return coovaLoginStep(coova(context.login), creds, trust.secret, context.userUrl, lang)
  },
  logoutUrl: (login) => coovaLogoutUrl(coova(login)),
  origins: (login) => [coovaOrigin(coova(login))],
  signsState: (trust) => trust.secret !== undefined,
  canLoginAgain: (login) => login.vendor === 'coovachilli' && login.challenge !== '',
  portalSessionId: () => undefined,
}
