// A NAS that asks no RADIUS (openNDS) gets the voucher rules RADIUS applies,
// through the same function (core/auth/authorize.ts): validity, site, the
// voucher's device places (bound atomically), simultaneous use, quotas.
import type { AppContext } from '../core/context.js'
import type { AccessPoint } from '../core/db/generated/client.js'
import { authorize } from '../core/auth/authorize.js'
import { AuthCache } from '../core/auth/cache.js'
import { AuthStore } from '../core/auth/store.js'
import type { RejectReason } from '../core/auth/types.js'

export class VoucherGate {
  readonly #cache: AuthCache

  constructor(ctx: AppContext) {
    // Nothing kept between logins: every decision reads the database, as a refusal must.
    this.#cache = new AuthCache(new AuthStore(ctx.db.prisma, ctx.db.pool, ctx.secrets, ctx.config.timeZone, { prepared: ctx.db.kind === 'postgres' }), { ttlMs: 0, negativeTtlMs: 0 })
  }

  /** RADIUS's answer for this voucher code from this device at this NAS. */
  async admit(input: { code: string; mac: string; nas: AccessPoint }): Promise<{ ok: true } | { ok: false; reason: RejectReason }> {
    const decision = await authorize(
      {
        username: input.code,
        proof: { matches: (candidate) => candidate === input.code },
        mac: input.mac,
        nas: { id: input.nas.id, siteId: input.nas.siteId, vendor: input.nas.vendor },
        now: new Date(),
      },
      this.#cache,
    )
    this.#cache.forgetDevice(input.mac)
    this.#cache.forgetVoucher(input.code)
    return decision.accept ? { ok: true } : { ok: false, reason: decision.reason }
  }
}
