import type { Logger } from '../../core/logger.js'
import { maskPhone, type SmsGateway } from './gateway.js'

/**
 * Writes each message to the log instead of sending it: for the demo and the
 * tests (which read the code from the log line). Never for real users: the
 * code is in the log.
 */
export class ConsoleSmsGateway implements SmsGateway {
  readonly name = 'console'
  readonly #log: Logger

  constructor(log: Logger) {
    this.#log = log.child({ module: 'sms-console' })
  }

  async send(to: string, text: string): Promise<void> {
    this.#log.info({ to: maskPhone(to), sms: text }, 'SMS (console gateway, not sent)')
  }
}
