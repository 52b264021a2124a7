// A fake MikroTik Hotspot with an external login page: its login.html sends
// the browser to the portal with $(mac), $(ip), $(link-login-only),
// $(link-orig), $(chap-id) and $(chap-challenge) (octal-escaped, as RouterOS
// writes them), $(identity), $(link-logout) and $(error); the login POST
// (username, CHAP-hashed password, dst) becomes a real RADIUS Access-Request
// with CHAP; on Access-Accept it redirects to dst, on reject back to the
// portal with error=<Reply-Message>.
import { randomBytes } from 'node:crypto'
import { chapAccessRequest, type RadiusTarget } from './radius-client.js'
import { listen, page, redirect } from './http.js'

export interface FakeMikrotikOptions {
  portalUrl: string
  identity: string
  radius: RadiusTarget
  clientMac: string
  clientIp?: string
}

/** RouterOS's $(chap-id)/$(chap-challenge): every byte as a three-digit octal escape. */
export function octalEscape(bytes: Buffer): string {
  return [...bytes].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('')
}

export class FakeMikrotik {
  readonly opts: FakeMikrotikOptions
  url = ''
  online = false
  logins = 0
  lastAnswer: { accepted: boolean; replyMessage?: string } | undefined
  #chapId = Buffer.alloc(1)
  #challenge = Buffer.alloc(16)
  #close: (() => Promise<void>) | undefined

  constructor(opts: FakeMikrotikOptions) {
    this.opts = { clientIp: '10.5.50.17', ...opts }
  }

  async start(): Promise<this> {
    const server = await listen(async (req, url, body) => {
      if (url.pathname === '/login' && req.method === 'POST') return this.#login(body)
      if (url.pathname === '/logout') {
        this.online = false
        return redirect(`${this.opts.portalUrl}/bye`)
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

  /** What login.html sends the browser to (a new CHAP id and challenge each time, as the router does). */
  redirectUrl(linkOrig = 'http://example.org/', error = ''): string {
    this.#chapId = randomBytes(1)
    this.#challenge = randomBytes(16)
    const q = new URLSearchParams({
      mac: this.opts.clientMac,
      ip: this.opts.clientIp!,
      username: '',
      'link-login': `${this.url}/login?dst=${encodeURIComponent(linkOrig)}`,
      'link-login-only': `${this.url}/login`,
      'link-logout': `${this.url}/logout`,
      'link-orig': linkOrig,
      error,
      'chap-id': octalEscape(this.#chapId),
      'chap-challenge': octalEscape(this.#challenge),
      identity: this.opts.identity,
    })
    return `${this.opts.portalUrl}/?${q}`
  }

  async #login(body: URLSearchParams) {
    this.logins++
    const hash = Buffer.from(body.get('password') ?? '', 'hex')
    const dst = body.get('dst') ?? ''
    if (hash.length !== 16) return redirect(this.redirectUrl(dst, 'invalid password'))
    const answer = await chapAccessRequest(this.opts.radius, {
      username: body.get('username') ?? '',
      chapId: this.#chapId[0]!,
      chapResponse: hash,
      challenge: this.#challenge,
      nasIdentifier: this.opts.identity,
      callingStation: this.opts.clientMac.toUpperCase(),
      framedIp: this.opts.clientIp,
    })
    this.lastAnswer = answer && { accepted: answer.accepted, replyMessage: answer.replyMessage }
    if (!answer) return redirect(this.redirectUrl(dst, 'RADIUS server is not responding'))
    if (!answer.accepted) return redirect(this.redirectUrl(dst, answer.replyMessage ?? 'invalid username or password'))
    this.online = true
    return redirect(dst || `${this.url}/status`)
  }
}
