// openNDS with a remote FAS. At fas_secure_enabled 2 and 3 (the default
// set-up here) openNDS redirects to the portal with ?fas=…&iv=…: the
// comma-space separated fields "hid=…, clientip=…, clientmac=…,
// gatewayname=…, gatewayaddress=…, authdir=…, originurl=…" encrypted with
// AES-256-CBC under the faskey (PHP openssl_encrypt: the key's bytes,
// cut or NUL-padded to 32; the IV is the 16 characters of `iv`), then
// base64-encoded twice. Only the NAS knows the key, so its clientmac and hid
// can be trusted. At level 1 the same fields come only base64-encoded: a
// client can write its own, so level 1 is accepted only for a NAS registered
// with --allow-insecure-fas. The portal
// authorises the client by sending the browser to
// http://<gatewayaddress>/<authdir>/?tok=<hex SHA-256(hid ‖ faskey)>&redir=…;
// openNDS recomputes the token from its own faskey, so only a portal that
// knows the key can let anyone in. openNDS does not speak RADIUS: the
// portal records the session itself. The FAS key is registered as the NAS's
// UAM secret (`citywifi nas add --vendor opennds --uam-secret <faskey>`).
import { createDecipheriv, createHash } from 'node:crypto'
import { isIP } from 'node:net'
import { canonicalMac } from '../../core/mac.js'
import { first, isNasHost, type LoginStep, type NasAdapter, type NasLogin, type OpenNdsLogin, type ParseResult } from './types.js'

export function detectOpenNds(query: Record<string, unknown>): boolean {
  return first(query.fas) !== undefined
}

/** The fields of a level-1 `fas` parameter. */
export function decodeFas(fas: string): Record<string, string> {
  return fasFields(Buffer.from(fas.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'))
}

/** The AES-256 key openNDS's PHP makes of a faskey: its bytes, cut or NUL-padded to 32. */
export function fasAesKey(fasKey: string): Buffer {
  const key = Buffer.alloc(32)
  Buffer.from(fasKey, 'utf8').copy(key, 0, 0, 32)
  return key
}

/** The fields of a level 2/3 `fas`, or undefined when it does not decrypt under this key. */
export function decryptFas(fas: string, iv: string, fasKey: string): Record<string, string> | undefined {
  if (!/^[\x21-\x7e]{16}$/.test(iv) || fas.length > 8192) return undefined
  try {
    // A "+" that arrived unencoded reads as a space.
    const inner = Buffer.from(fas.replace(/ /g, '+'), 'base64').toString('latin1')
    const decipher = createDecipheriv('aes-256-cbc', fasAesKey(fasKey), Buffer.from(iv, 'latin1'))
    const text = Buffer.concat([decipher.update(Buffer.from(inner, 'base64')), decipher.final()]).toString('utf8')
    if (!text.startsWith('hid=') && !/(^|, )hid=/.test(text)) return undefined
    return fasFields(text)
  } catch {
    return undefined
  }
}

function fasFields(text: string): Record<string, string> {
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
  return contextOf(decodeFas(fas), 1)
}

/** A level 2/3 redirect, decrypted with the NAS's FAS key. */
export function parseEncryptedOpenNds(query: Record<string, unknown>, fasKey: string): ParseResult {
  const f = decryptFas(first(query.fas) ?? '', first(query.iv) ?? '', fasKey)
  if (!f) return { ok: false, problem: 'fas does not decrypt with the FAS key of this NAS' }
  return contextOf(f, 2)
}

function contextOf(f: Record<string, string>, level: 1 | 2): ParseResult {  const mac = canonicalMac(f.clientmac ?? '')
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
      login: { vendor: 'opennds', gatewayAddress: gw, authdir, hid, level },
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

const nds = (login: NasLogin): OpenNdsLogin => {
  if (login.vendor !== 'opennds') throw new Error(`a ${login.vendor} login given to the openNDS adapter`)
  return login
}

const encrypted = (query: Record<string, unknown>) => first(query.iv) !== undefined

function gatewayName(fields: Record<string, string>): string | undefined {
  return fields.gatewayname === undefined ? undefined : decoded(fields.gatewayname)
}

export const openNdsAdapter: NasAdapter = {
  vendor: 'opennds',
  detect: detectOpenNds,
  async locate(input, finder) {
    const fas = first(input.query.fas) ?? ''
    if (!encrypted(input.query)) {
      const name = /^[A-Za-z0-9+/=_-]{1,4096}$/.test(fas) ? gatewayName(decodeFas(fas)) : undefined
      return name ? { nas: await finder.byName(name), claimed: name } : { claimed: 'openNDS' }
    }
    // The gateway's name is inside the encrypted part: the NAS is the one
    // whose key decrypts it to its own name.
    for (const nas of await finder.ofVendor('opennds')) {
      const key = finder.secret(nas)
      const fields = key ? decryptFas(fas, first(input.query.iv) ?? '', key) : undefined
      if (fields && gatewayName(fields) === nas.name) return { nas, claimed: nas.name }
    }
    return { claimed: 'openNDS (fas encrypted with no registered key)' }
  },
  parse(input, trust) {
    if (!trust.secret) return { ok: false, problem: `openNDS NAS "${trust.nas.name}" has no FAS key (register it as its UAM secret)` }
    return encrypted(input.query) ? parseEncryptedOpenNds(input.query, trust.secret) : parseOpenNds(input.query)
  },
  verifyRedirect(_input, context, trust) {
    if (context.login.vendor !== 'opennds') return 'not an openNDS redirect'
    if (context.nasName !== trust.nas.name) return 'gatewayname names another NAS'
    if (context.login.level === 2) return undefined
    // Level 1: the client wrote the fields itself.
    if (!trust.nas.allowInsecureFas) return `openNDS NAS "${trust.nas.name}" sent an unencrypted fas: set fas_secure_enabled 2 or 3 (or register it with --allow-insecure-fas)`
    return isNasHost(trust.nas, context.login.gatewayAddress) ? undefined : `gatewayaddress ${context.login.gatewayAddress} is not an address of NAS "${trust.nas.name}" (register it with --login-host)`
  },
  loginStep(context, _creds, trust, returnUrl) {
    if (!trust.secret) throw new Error('openNDS needs its FAS key')
    return openNdsLoginStep(nds(context.login), trust.secret, returnUrl)
  },
  logoutUrl: (login) => openNdsLogoutUrl(nds(login)),
  origins: (login) => [openNdsOrigin(nds(login))],
  signsState: () => false,
  canLoginAgain: () => false,
  portalSessionId: (login) => `nds-${nds(login).hid.slice(0, 48)}`,
}

// At fas_secure_enabled 3 openNDS also starts "authmon", which POSTs
// auth_get=clear|view|list (plus deauthed/custom notices from BinAuth),
// gatewayhash = SHA-256(gatewayname) and a base64 payload to the FAS URL
// every nat_traversal_poll_interval seconds, and runs `ndsctl auth` for each
// "rhid …" line of the answer. The poll carries no proof of the faskey
// (the gateway name is its only identifier), so the portal hands nothing out
// through it: the browser takes tok to the gateway's authdir, which openNDS
// accepts at every level. The answer is an empty auth list, made without the
// database, so polls stay cheap and a forged one learns nothing.
/** The text to answer an authmon poll with (status 200), or undefined when the post is not one. */
export function authmonAnswer(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined
  const action = (body as Record<string, unknown>).auth_get
  if (typeof action !== 'string') return undefined
  // "*" alone is openNDS's empty list; clear and the notices get nothing.
  return action === 'view' || action === 'list' ? '*' : ''
}
