// What every NAS adapter turns its redirect into, and what it needs to log a
// browser in. One file per vendor next to this one.
import { isIP } from 'node:net'
import type { AccessPoint, NasVendor } from '../../core/db/generated/client.js'
import { AddressMatcher } from '../../core/net.js'

/** Where the NAS says this browser stands (CoovaChilli's `res`, MikroTik's `error`). */
export type NasState = 'notyet' | 'success' | 'failed' | 'already' | 'logoff'

export type PortalVendor = Exclude<NasVendor, 'generic'>

export interface CoovaLogin {
  vendor: 'coovachilli'
  uamip: string
  uamport: number
  /** Hex challenge of this redirect (32 hex digits). */
  challenge: string
}

export interface MikrotikLogin {
  vendor: 'mikrotik'
  /** `link-login-only`: where the login form is posted. */
  loginUrl: string
  /** `link-logout`, when the login page passes it. */
  logoutUrl?: string
  /** CHAP id and challenge as bytes, hex-encoded (MikroTik sends them octal-escaped). */
  chapId: string
  chapChallenge: string
}

export interface OpenNdsLogin {
  vendor: 'opennds'
  /** The gateway as the client reaches it, "192.168.1.1:2050". */
  gatewayAddress: string
  authdir: string
  hid: string
  /** The `fas` parameter as received, for the return to the portal. */
  fas?: string
  /** fas_secure_enabled the redirect was made with: 1 (base64) or 2/3 (AES-256-CBC, the same on the wire here). */
  level?: 1 | 2
}

export type NasLogin = CoovaLogin | MikrotikLogin | OpenNdsLogin

/** One redirect from a NAS, in one shape whatever the vendor. */
export interface PortalContext {
  vendor: PortalVendor
  /** What the NAS calls itself (nasid, identity, gatewayname); matched against AccessPoint.name. */
  nasName?: string
  /** The access point's MAC (CoovaChilli `called`), canonical. */
  apMac?: string
  /** The client device, canonical "AA-BB-CC-DD-EE-FF". */
  clientMac: string
  clientIp?: string
  /** Where the person was going, as the NAS gave it (followed only when http(s)). */
  userUrl?: string
  state: NasState
  /** The NAS's words on a failure (RADIUS Reply-Message), shown as text. */
  reply?: string
  /** Seconds left, when the NAS says (CoovaChilli `timeleft`). */
  timeLeft?: number
  login: NasLogin
}

export type ParseResult = { ok: true; context: PortalContext } | { ok: false; problem: string }

/** The last step: how the browser presents the one-time login to the NAS. */
export type LoginStep =
  | { kind: 'redirect'; url: string }
  | { kind: 'form'; action: string; fields: Record<string, string> }

export interface LoginSecrets {
  /** CoovaChilli UAM secret or openNDS FAS key, decrypted; undefined when none is registered. */
  uamSecret?: string
}

/** The origin (scheme://host:port) of a URL, for CSP form-action. */
export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url)
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined
  } catch {
    return undefined
  }
}

export function first(v: unknown): string | undefined {
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : undefined
  return typeof v === 'string' ? v : undefined
}

/** A registered NAS and its decrypted UAM secret / FAS key: what a redirect is checked against. */
export interface NasTrust {
  nas: AccessPoint
  secret?: string
}

/** A NAS redirect as the portal received it. */
export interface RedirectInput {
  query: Record<string, unknown>
  /** Path and query exactly as received (CoovaChilli signs the URL text). */
  rawUrl: string
  /** "scheme://host[:port]" names the portal may have had in the NAS's configuration. */
  portalPrefixes: string[]
  sourceIp: string
}

/** How an adapter finds the registered NAS a query names. */
export interface NasFinder {
  byName(name: string): Promise<AccessPoint | undefined>
  byAddress(ip: string): Promise<AccessPoint | undefined>
  ofVendor(vendor: PortalVendor): Promise<AccessPoint[]>
  secret(nas: AccessPoint): string | undefined
}

/** Which registered NAS a query claims to come from: not proved until verifyRedirect. */
export interface Located {
  nas?: AccessPoint
  /** The name the query gave, for the "not registered" page. */
  claimed?: string
}

/**
 * Everything the portal knows of one vendor. Registered in one table
 * (index.ts ADAPTERS); the portal chooses the adapter from the registered
 * NAS's vendor, never from the shape of the query.
 */
export interface NasAdapter {
  readonly vendor: PortalVendor
  /** The query carries this vendor's parameters. */
  detect(query: Record<string, unknown>): boolean
  /** The registered NAS the query names (or comes from). */
  locate(input: RedirectInput, finder: NasFinder): Promise<Located>
  /** The query as one context; only what the NAS vouches for is read (openNDS 2/3: decrypted with the NAS's key). */
  parse(input: RedirectInput, trust: NasTrust): ParseResult
  /** Proof the redirect came from this NAS and every address it names belongs to the NAS: a problem, or undefined. */
  verifyRedirect(input: RedirectInput, context: PortalContext, trust: NasTrust): string | undefined
  /** How the browser presents the one-time login to the NAS. */
  loginStep(context: PortalContext, creds: { username: string; password: string }, trust: NasTrust, returnUrl: string, lang?: string): LoginStep
  logoutUrl(login: NasLogin): string
  /** Origins forms and redirects of this login may go to (CSP form-action). */
  origins(login: NasLogin): string[]
  /** The NAS signs the state its redirect reports (success, already): it proves a login. */
  signsState(trust: NasTrust): boolean
  /** After a log-out, the same redirect can log in again (CoovaChilli keeps its challenge). */
  canLoginAgain(login: NasLogin): boolean
  /**
   * The NAS asks no RADIUS and sends no accounting (openNDS): the portal
   * records the session itself, under this Acct-Session-Id, and closes it.
   * Undefined for a NAS that accounts for itself.
   */
  portalSessionId(login: NasLogin): string | undefined
}

/** A NAS named by a query parameter (CoovaChilli's nasid, MikroTik's identity), else by the redirect's source address. */
export function locateByNameOrAddress(param: string): NasAdapter['locate'] {
  return async (input, finder) => {
    const name = first(input.query[param])?.trim()
    if (name) return { nas: await finder.byName(name), claimed: name }
    return { nas: await finder.byAddress(input.sourceIp), claimed: input.sourceIp }
  }
}

/**
 * An address the portal may send a browser to, named by an unsigned redirect:
 * the registered NAS's own address (or inside its registered network), or a
 * login host registered for it ("host" for any port, "host:port").
 */
export function isNasHost(nas: Pick<AccessPoint, 'address' | 'loginHosts'>, hostPort: string): boolean {
  let host: string
  let port = ''
  try {
    const u = new URL(`http://${hostPort}/`)
    host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase()
    port = u.port
  } catch {
    return false
  }
  for (const entry of nas.loginHosts ?? []) {
    const e = entry.toLowerCase()
    if (e === host || e === `${host}:${port}` || (isIP(host) === 6 && (e === `[${host}]` || e === `[${host}]:${port}`))) return true
  }
  return isIP(host) !== 0 && new AddressMatcher([[nas.address, true]]).match(host) === true
}
