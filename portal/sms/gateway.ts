// How the portal sends a verification code: one small interface, two
// gateways. The HTTP gateway fits most Vietnamese SMS brand-name providers
// (a URL or body template with the number and the text); the console gateway
// writes the message to the log, for the demo and for tests.
import type { Logger } from '../../core/logger.js'
import type { SmsConfig } from '../../core/config.js'
import { ConsoleSmsGateway } from './console.js'
import { HttpSmsGateway } from './http.js'

export interface SmsGateway {
  readonly name: 'console' | 'http'
  /** Sends `text` to `to` (E.164, +84…); rejects when the gateway did not take it. */
  send(to: string, text: string): Promise<void>
}

export class SmsError extends Error {
  override name = 'SmsError'
}

/** "+84912345678" → "+84•••••678": enough to tell numbers apart in a log, not enough to call. */
export function maskPhone(e164: string): string {
  return e164.length > 6 ? `${e164.slice(0, 3)}${'•'.repeat(e164.length - 6)}${e164.slice(-3)}` : '•••'
}

export function createSmsGateway(config: SmsConfig, log: Logger): SmsGateway {
  if (config.gateway === 'http') return new HttpSmsGateway(config)
  return new ConsoleSmsGateway(log)
}
