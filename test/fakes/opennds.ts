// A fake openNDS gateway with a remote FAS. At fas_secure_enabled 2 and 3
// (the default) it redirects the browser to the portal with ?fas=…&iv=… as
// openNDS's own PHP step makes them: the client's fields, comma-space
// separated, encrypted with openssl_encrypt(aes-256-cbc, faskey, iv) whose
// output is base64, base64-encoded once more; the iv is the first 16 hex
// digits of SHA-256 of 8 random bytes in base64; the key is the faskey's
// bytes cut or NUL-padded to 32. At level 1 the fields are only
// base64-encoded. It opens the client only when /opennds_auth/ gets
// tok = hex SHA-256(hid ‖ faskey) for that client's hid, as openNDS checks
// it. /opennds_deny/ logs the client out. At level 3 `authmonPoll` does what
// openNDS's authmon daemon does: a form POST to the FAS URL with auth_get,
// gatewayhash = hex SHA-256(url-encoded gatewayname) and a base64 payload,
// then `ndsctl auth` for each percent-encoded "rhid …" entry after "* " in
// the answer (here: the client is opened when an entry's rhid is its own).
import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import { listen, page, redirect } from './http.js'

export interface FakeOpenNdsOptions {
  portalUrl: string
  gatewayName: string
  fasKey: string
  clientMac: string
  clientIp?: string
  /** fas_secure_enabled: 1, 2 or 3 (default 3; 2 and 3 differ only in the FAS URL's scheme). */
  level?: 1 | 2 | 3
}

/** What openNDS's PHP openssl_encrypt does with a faskey and an iv string. */
export function encryptFasLikeOpenNds(fields: string, fasKey: string, iv: string): string {
  const key = Buffer.alloc(32)
  Buffer.from(fasKey, 'utf8').copy(key, 0, 0, 32)
  const cipher = createCipheriv('aes-256-cbc', key, Buffer.from(iv, 'latin1'))
  const php = Buffer.concat([cipher.update(fields, 'utf8'), cipher.final()]).toString('base64')
  return Buffer.from(php).toString('base64')
}

export function openNdsIv(): string {
  return createHash('sha256').update(randomBytes(8).toString('base64')).digest('hex').slice(0, 16)
}

export class FakeOpenNds {
  readonly opts: FakeOpenNdsOptions
  url = ''
  online = false
  hid = ''
  authRequests = 0
  badTokens = 0
  /** Clients opened through authmon's auth list (ndsctl auth). */
  authmonAuths = 0
  #close: (() => Promise<void>) | undefined

  constructor(opts: FakeOpenNdsOptions) {
    this.opts = { clientIp: '192.168.8.44', level: 3, ...opts }
  }

  async start(): Promise<this> {
    const server = await listen(async (_req, url) => {
      if (url.pathname === '/opennds_auth/') {
        this.authRequests++
        const tok = url.searchParams.get('tok') ?? ''
        const expected = createHash('sha256').update(this.hid + this.opts.fasKey).digest('hex')
        if (!this.hid || tok !== expected) {
          this.badTokens++
          return page('<h1>Invalid token</h1>', 403)
        }
        this.online = true
        return redirect(url.searchParams.get('redir') || `${this.url}/`)
      }
      if (url.pathname === '/opennds_deny/') {
        this.online = false
        return page('<h1 data-test="denied">You are logged out</h1>')
      }
      if (this.online) return page(`<h1 data-test="internet">The Internet: ${url.pathname}</h1>`)
      return redirect(this.redirectUrl(`${this.url}${url.pathname}`))
    })
    this.url = server.url
    this.#close = server.close
    return this
  }

  close(): Promise<void> {
    return this.#close?.() ?? Promise.resolve()
  }

  /** One authmon round trip; returns the FAS's answer as authmon reads it. */
  async authmonPoll(action: 'clear' | 'view' | 'list' = 'view', payload = 'none', gatewayName = this.opts.gatewayName): Promise<{ status: number; body: string }> {
    const form = new URLSearchParams({
      auth_get: action,
      gatewayhash: createHash('sha256').update(encodeURIComponent(gatewayName)).digest('hex'),
      payload: Buffer.from(payload).toString('base64'),
    })
    const res = await fetch(`${this.opts.portalUrl}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'openNDS(authmon;NDS:10.2.0;)' },
      body: form.toString(),
      redirect: 'manual',
    })
    const body = (await res.text()).trim()
    if (body.startsWith('*')) {
      const rhid = createHash('sha256').update(this.hid + this.opts.fasKey).digest('hex')
      for (const entry of body.slice(1).trim().split(/\s+/).filter(Boolean)) {
        const params = decodeURIComponent(entry).split(' ')
        if (this.hid && params[0] === rhid) {
          this.authmonAuths++
          this.online = true
        }
      }
    }
    return { status: res.status, body }
  }

  redirectUrl(originUrl = 'http://example.org/'): string {
    this.hid = randomBytes(32).toString('hex')
    const gw = new URL(this.url).host
    const fields = [
      ...(this.opts.level === 1 ? [] : [`hid=${this.hid}`]),
      `clientip=${this.opts.clientIp}`,
      `clientmac=${this.opts.clientMac.toLowerCase()}`,
      `client_type=cpd_can`,
      `gatewayname=${encodeURIComponent(this.opts.gatewayName)}`,
      `gatewayurl=${encodeURIComponent(`http://${gw}/`)}`,
      `version=10.2.0`,
      ...(this.opts.level === 1 ? [`hid=${this.hid}`] : []),
      `gatewayaddress=${gw}`,
      `gatewaymac=0a:1b:2c:3d:4e:5f`,
      `authdir=opennds_auth`,
      `originurl=${encodeURIComponent(originUrl)}`,
      `clientif=br-lan`,
    ]
    if (this.opts.level === 1) return `${this.opts.portalUrl}/?fas=${Buffer.from(fields.join(', ')).toString('base64')}`
    const iv = openNdsIv()
    return `${this.opts.portalUrl}/?fas=${encodeURIComponent(encryptFasLikeOpenNds(fields.join(', '), this.opts.fasKey, iv))}&iv=${iv}`
  }
}
