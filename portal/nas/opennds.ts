// openNDS with a remote FAS at secure level 1. openNDS redirects to the
// portal with ?fas=<base64 of "clientip=…, clientmac=…, gatewayname=…,
// hid=…, gatewayaddress=…, authdir=…, originurl=…, …">. The portal
// authorises the client by sending the browser to
// http://<gatewayaddress>/<authdir>/?tok=<hex SHA-256(hid ‖ faskey)>&redir=…;
// openNDS recomputes the token from its own faskey, so only a portal that
// knows the key can let anyone in. openNDS does not speak RADIUS: the
// portal records the session itself. The FAS key is registered as the NAS's
// UAM secret (`citywifi nas add --vendor opennds --uam-secret <faskey>`).
import { createHash } from 'node:crypto'
import { isIP } from 'node:net'
import { canonicalMac } from '../../core/mac.js'
import { first, type LoginStep, type OpenNdsLogin, type ParseResult } from './types.js'

export function detectOpenNds(query: Record<string, unknown>): boolean {
  return first(query.fas) !== undefined
}

/** The fields of a level-1 `fas` parameter. */
export function decodeFas(fas: string): Record<string, string> {
  const text = Buffer.from(fas.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')
  const out: Record<string, string> = {}
  for (const part of text.split(/,\s*/)) {
    const eq = part.indexOf('=')
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim()
  }
  return out
}

function decoded(v: string | undefined): string | undefined {
  if (v === undefined) return undefined
  try {
    return decodeURIComponent(v)
  } catch {
    return v
  }
}

export function parseOpenNds(query: Record<string, unknown>): ParseResult {
  const fas = first(query.fas)
  if (!fas || fas.length > 4096 || !/^[A-Za-z0-9+/=_-]+$/.test(fas)) return { ok: false, problem: 'fas is not base64' }
  const f = decodeFas(fas)
  const mac = canonicalMac(f.clientmac ?? '')
  if (!mac) return { ok: false, problem: 'clientmac is missing or not a MAC address' }
  if (!f.clientip || isIP(f.clientip) === 0) return { ok: false, problem: 'clientip is not an IP address' }
  const hid = (f.hid ?? '').toLowerCase()
  if (!/^[0-9a-f]{16,128}$/.test(hid)) return { ok: false, problem: 'hid is missing (is fas_secure_enabled 1 with a faskey?)' }
  const gw = f.gatewayaddress ?? ''
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(gw) && !/^\[[0-9a-fA-F:]+\](:\d{1,5})?$/.test(gw)) {
    return { ok: false, problem: 'gatewayaddress is not host:port' }
  }
  const authdir = f.authdir ?? 'opennds_auth'
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(authdir)) return { ok: false, problem: 'authdir is not a folder name' }
  const name = decoded(f.gatewayname)
  return {
    ok: true,
    context: {
      vendor: 'opennds',
      nasName: name && /^[\x21-\x7e]{1,64}$/.test(name) ? name : undefined,
      apMac: canonicalMac(f.gatewaymac ?? ''),
      clientMac: mac,
      clientIp: f.clientip,
      userUrl: decoded(f.originurl)?.slice(0, 2048) || undefined,
      state: 'notyet',
      login: { vendor: 'opennds', gatewayAddress: gw, authdir, hid },
    },
  }
}

/** The `tok` openNDS expects back: hex SHA-256 of hid followed by the FAS key. */
export function openNdsToken(hid: string, fasKey: string): string {
  return createHash('sha256').update(hid + fasKey).digest('hex')
}

export function openNdsLoginStep(login: OpenNdsLogin, fasKey: string, redir: string): LoginStep {
  const url = new URL(`http://${login.gatewayAddress}/${login.authdir}/`)
  url.searchParams.set('tok', openNdsToken(login.hid, fasKey))
  url.searchParams.set('redir', redir)
  return { kind: 'redirect', url: url.toString() }
}

/** openNDS logs out the client that asks its deny folder. */
export function openNdsLogoutUrl(login: OpenNdsLogin): string {
  return `http://${login.gatewayAddress}/opennds_deny/`
}

export function openNdsOrigin(login: OpenNdsLogin): string {
  return `http://${login.gatewayAddress}`
}
