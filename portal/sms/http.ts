import type { SmsConfig } from '../../core/config.js'
import { SmsError, type SmsGateway } from './gateway.js'

type Encode = (v: string) => string

const jsonString: Encode = (v) => JSON.stringify(v).slice(1, -1)
const formValue: Encode = (v) => encodeURIComponent(v).replace(/%20/g, '+')

/** "{to}" and friends replaced, each value encoded for where it lands. */
export function fillTemplate(template: string, values: Record<string, string>, encode: Encode): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => (name in values ? encode(values[name]!) : whole))
}

/**
 * A generic HTTP SMS gateway: PORTAL_SMS_URL (and for POST, PORTAL_SMS_BODY)
 * with placeholders {to} (+84…), {to_local} (0…), {to_digits} (84…), {text}
 * and {sender}; Basic credentials or a Bearer token. Any 2xx is success.
 */
export class HttpSmsGateway implements SmsGateway {
  readonly name = 'http'
  readonly #config: SmsConfig

  constructor(config: SmsConfig) {
    if (!config.url) throw new SmsError('PORTAL_SMS_URL is not set')
    this.#config = config
  }

  async send(to: string, text: string): Promise<void> {
    const c = this.#config
    const values = { to, to_local: to.replace(/^\+84/, '0'), to_digits: to.replace(/^\+/, ''), text, sender: c.sender }
    const url = fillTemplate(c.url!, values, encodeURIComponent)
    const headers: Record<string, string> = { accept: '*/*' }
    if (c.token) headers.authorization = `Bearer ${c.token}`
    else if (c.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64')}`
    let body: string | undefined
    if (c.method === 'POST') {
      headers['content-type'] = c.contentType
      body = fillTemplate(c.body, values, /json/i.test(c.contentType) ? jsonString : formValue)
    }
    let res: Response
    try {
      res = await fetch(url, { method: c.method, headers, body, signal: AbortSignal.timeout(c.timeoutMs), redirect: 'error' })
    } catch (err) {
      // The URL may carry credentials in its query: name the host only.
      throw new SmsError(`the SMS gateway at ${new URL(url).host} did not answer: ${(err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message}`)
    }
    await res.arrayBuffer().catch(() => undefined)
    if (!res.ok) throw new SmsError(`the SMS gateway at ${new URL(url).host} answered HTTP ${res.status}`)
  }
}
