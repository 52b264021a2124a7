// A quota that runs out mid-session: Session-Timeout and the NAS's data limit
// usually end the session on time, but a device with two sessions, or a NAS
// that ignores the data attributes, can go past. After each accounting commit
// the sessions that used more are checked, and one past its limit is sent a
// Disconnect-Request through the same CoA path the admin app uses.
import type { AuthCache } from '../core/auth/cache.js'
import { checkQuota, remaining } from '../core/auth/steps.js'
import type { SessionChange } from '../core/accounting/apply.js'
import type { PrismaClient } from '../core/db/generated/client.js'
import type { Logger } from '../core/logger.js'
import { requestSessionChange } from '../core/services/coa.js'

export class QuotaWatch {
  #queue = new Map<bigint, SessionChange>()
  #busy: Promise<void> | undefined

  constructor(
    private readonly prisma: PrismaClient,
    private readonly cache: AuthCache,
    private readonly log: Logger,
  ) {}

  /** Called after a commit; the checks run afterwards, off the acknowledgement path. */
  committed(changes: SessionChange[]): void {
    for (const c of changes) if (!c.stopped && (c.deltaSeconds || c.deltaInput || c.deltaOutput) && this.#mayRunOut(c)) this.#queue.set(c.sessionId, c)
    if (this.#queue.size) this.#busy ??= this.#run().finally(() => (this.#busy = undefined))
  }

  /** Only sessions with a daily or monthly quota, or a voucher with limited time, are worth a look. */
  #mayRunOut(c: SessionChange): boolean {
    const policy = this.cache.policyForSite(c.siteId)
    if (policy instanceof Promise) return true
    if (policy.dailySeconds !== null || policy.dailyBytes !== null || policy.monthlySeconds !== null || policy.monthlyBytes !== null) return true
    if (c.voucherId === null) return false
    return this.cache.voucherMinutes(c.voucherId) !== null
  }

  async #run(): Promise<void> {
    while (this.#queue.size) {
      const batch = [...this.#queue.values()]
      this.#queue.clear()
      for (const c of batch) await this.#check(c).catch((err) => this.log.warn({ err, session: String(c.sessionId) }, 'quota check failed'))
    }
  }

  async #check(c: SessionChange): Promise<void> {
    const session = await this.prisma.session.findUnique({
      where: { id: c.sessionId },
      select: { stoppedAt: true, device: { select: { mac: true } }, voucherId: true, coaRequests: { where: { state: { in: ['pending', 'sent', 'acked'] } }, select: { id: true } } },
    })
    // Ended, or already being cut off.
    if (!session || session.stoppedAt || session.coaRequests.length) return
    const now = new Date()
    const policy = await this.cache.policyForSite(c.siteId)
    const usage = session.device ? (await this.cache.store.device(session.device.mac, now)).usage : undefined
    const voucher = session.voucherId ? await this.prisma.voucher.findUnique({ where: { id: session.voucherId }, select: { minutes: true, usedSeconds: true } }) : null
    // The session's own limit is the NAS's business (Session-Timeout); what counts here is what is left today, this month, of the voucher.
    const left = remaining({ ...policy, sessionSeconds: Number.MAX_SAFE_INTEGER, sessionBytes: null }, usage ?? { daySeconds: 0, dayOctets: 0n, monthSeconds: 0, monthOctets: 0n }, voucher)
    if (!checkQuota(left)) return
    await requestSessionChange(this.prisma, { sessionId: c.sessionId, kind: 'disconnect', requestedBy: 'radius:quota', reason: 'quota used up' })
    this.log.info({ session: String(c.sessionId) }, 'quota used up: disconnecting')
  }

  async drain(): Promise<void> {
    while (this.#busy) await this.#busy
  }
}
