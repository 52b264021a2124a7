// A fake CoovaChilli: the UAM side (the redirect with a real challenge and
// md checksum, /logon, /logoff) and the RADIUS side (a real Access-Request
// with CHAP to citywifi; Accounting Start on success). It serves one client
// device, whose MAC and IP it is given, and lets it "online" only on a real
// Access-Accept.
import { createHash, randomBytes } from 'node:crypto'
import { accounting, chapAccessRequest, type RadiusTarget } from './radius-client.js'
import { listen, page, redirect } from './http.js'

export interface FakeCoovaOptions {
  /** The portal's address as chilli's uamserver setting has it, "http://127.0.0.1:8080/". */
  portalUrl: string
  nasId: string
  uamSecret?: string
  radius: RadiusTarget & { acctPort?: number }
  clientMac: string
  clientIp?: string
  apMac?: string
}

const md5 = (...parts: (Buffer | string)[]) => {
  const h = createHash('md5')
  for (const p of parts) h.update(p)
  return h.digest()
}

/** chilli's URL encoding (redir_urlencode): unreserved characters as they are, the rest %xx in lower case. */
export function chilliEncode(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9\-_.!~*]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('')
}

export class FakeCoovaChilli {
  readonly opts: FakeCoovaOptions
  url = ''
  online = false
  challenge = ''
  /** What RADIUS answered the last logon. */
  lastAnswer: { accepted: boolean; replyMessage?: string; sessionTimeout?: number } | undefined
  logons = 0
  #close: (() => Promise<void>) | undefined
  #sessionId = ''
  #username = ''
  /** chilli keeps the `lang` of /logon and puts it in its redirects. */
  #lang = ''

  constructor(opts: FakeCoovaOptions) {
    this.opts = { clientIp: '10.1.0.23', apMac: '00-11-22-33-44-55', ...opts }
  }

  get port(): number {
    return Number(new URL(this.url).port)
  }

  async start(): Promise<this> {
    const server = await listen(async (_req, url) => {
      switch (url.pathname) {
        case '/logon':
          return this.#logon(url.searchParams)
        case '/logoff':
          return this.#logoff()
        case '/status':
          return page(this.online ? 'online' : 'offline')
        default:
          // Any other page: the intercepted Internet.
          if (this.online) return page(`<h1 data-test="internet">The Internet: ${url.pathname}</h1>`)
          return redirect(this.redirectUrl('notyet', { userurl: `${this.url}${url.pathname}` }))
      }
    })
    this.url = server.url
    this.#close = server.close
    return this
  }

  async close(): Promise<void> {
    await this.#close?.()
  }

  /** The URL chilli sends the browser to, built in chilli's order, with md when a UAM secret is set. */
  redirectUrl(res: string, extra: { userurl?: string; reply?: string; timeleft?: number } = {}): string {
    if (res === 'notyet' || res === 'logoff' || res === 'failed' || !this.challenge) this.challenge = randomBytes(16).toString('hex')
    const o = this.opts
    let s = `${o.portalUrl}${o.portalUrl.includes('?') ? '&' : '?'}res=${res}&uamip=127.0.0.1&uamport=${this.port}`
    s += `&challenge=${this.challenge}`
    s += `&called=${chilliEncode(o.apMac!)}`
    if (extra.timeleft) s += `&timeleft=${extra.timeleft}`
    s += `&mac=${chilliEncode(o.clientMac)}&ip=${o.clientIp}`
    if (extra.reply) s += `&reply=${chilliEncode(extra.reply)}`
    s += `&nasid=${chilliEncode(o.nasId)}&sessionid=${this.#sessionId || '5f3c0a1b00000001'}`
    if (extra.userurl) s += `&userurl=${chilliEncode(extra.userurl)}`
    if (this.#lang) s += `&lang=${chilliEncode(this.#lang)}`
    if (o.uamSecret) s += `&md=${md5(s, o.uamSecret).toString('hex').toUpperCase()}`
    return s
  }

  async #logon(q: URLSearchParams) {
    this.logons++
    const username = q.get('username') ?? ''
    const response = Buffer.from(q.get('response') ?? '', 'hex')
    const userurl = q.get('userurl') ?? undefined
    this.#lang = q.get('lang') ?? ''
    if (response.length !== 16 || !this.challenge) return redirect(this.redirectUrl('failed', { reply: 'bad logon request', userurl }))
    // chilli's CHAP: challenge' = MD5(challenge ‖ uamsecret), ident from the URL (default 0).
    const raw = Buffer.from(this.challenge, 'hex')
    const challenge = this.opts.uamSecret ? md5(raw, this.opts.uamSecret) : raw
    const answer = await chapAccessRequest(this.opts.radius, {
      username,
      chapId: Number(q.get('ident') ?? 0),
      chapResponse: response,
      challenge,
      nasIdentifier: this.opts.nasId,
      callingStation: this.opts.clientMac,
      calledStation: this.opts.apMac,
      framedIp: this.opts.clientIp,
    })
    this.lastAnswer = answer && { accepted: answer.accepted, replyMessage: answer.replyMessage, sessionTimeout: answer.sessionTimeout }
    if (!answer) return redirect(this.redirectUrl('failed', { reply: 'RADIUS server did not answer', userurl }))
    if (!answer.accepted) return redirect(this.redirectUrl('failed', { reply: answer.replyMessage, userurl }))
    this.online = true
    this.#username = username
    this.#sessionId = randomBytes(8).toString('hex')
    if (this.opts.radius.acctPort) {
      await accounting({ ...this.opts.radius, acctPort: this.opts.radius.acctPort }, {
        status: 'Start',
        sessionId: this.#sessionId,
        username,
        nasIdentifier: this.opts.nasId,
        callingStation: this.opts.clientMac,
        framedIp: this.opts.clientIp,
      })
    }
    return redirect(this.redirectUrl('success', { userurl, timeleft: answer.sessionTimeout }))
  }

  async #logoff() {
    if (this.online && this.opts.radius.acctPort) {
      await accounting({ ...this.opts.radius, acctPort: this.opts.radius.acctPort }, {
        status: 'Stop',
        sessionId: this.#sessionId,
        username: this.#username,
        nasIdentifier: this.opts.nasId,
        callingStation: this.opts.clientMac,
        framedIp: this.opts.clientIp,
        seconds: 5,
      })
    }
    this.online = false
    return redirect(this.redirectUrl('logoff'))
  }
}
