// A fake openNDS gateway with a remote FAS at secure level 1: it redirects
// the browser to the portal with ?fas=<base64 of the client's parameters,
// hid included>, and opens the client only when /opennds_auth/ gets
// tok = hex SHA-256(hid ‖ faskey), as openNDS checks it. /opennds_deny/ logs
// the client out.
import { createHash, randomBytes } from 'node:crypto'
import { listen, page, redirect } from './http.js'

export interface FakeOpenNdsOptions {
  portalUrl: string
  gatewayName: string
  fasKey: string
  clientMac: string
  clientIp?: string
}

export class FakeOpenNds {
  readonly opts: FakeOpenNdsOptions
  url = ''
  online = false
  hid = ''
  authRequests = 0
  badTokens = 0
  #close: (() => Promise<void>) | undefined

  constructor(opts: FakeOpenNdsOptions) {
    this.opts = { clientIp: '192.168.8.44', ...opts }
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

  redirectUrl(originUrl = 'http://example.org/'): string {
    this.hid = randomBytes(32).toString('hex')
    const gw = new URL(this.url).host
    const fields = [
      `clientip=${this.opts.clientIp}`,
      `clientmac=${this.opts.clientMac.toLowerCase()}`,
      `client_type=cpd_can`,
      `gatewayname=${encodeURIComponent(this.opts.gatewayName)}`,
      `gatewayurl=${encodeURIComponent(`http://${gw}/`)}`,
      `version=10.2.0`,
      `hid=${this.hid}`,
      `gatewayaddress=${gw}`,
      `gatewaymac=0a:1b:2c:3d:4e:5f`,
      `authdir=opennds_auth`,
      `originurl=${encodeURIComponent(originUrl)}`,
      `clientif=br-lan`,
    ]
    return `${this.opts.portalUrl}/?fas=${Buffer.from(fields.join(', ')).toString('base64')}`
  }
}
