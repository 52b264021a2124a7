// What every NAS adapter turns its redirect into, and what it needs to log a
// browser in. One file per vendor next to this one.
import type { NasVendor } from '../../core/db/generated/client.js'

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
