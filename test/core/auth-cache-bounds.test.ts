// The auth cache keeps, beside its snapshots, each voucher's code by id (the
// change log and accounting name vouchers by id). It grew with every voucher
// a process ever saw; it is now bounded at twice the snapshots' bound, and a
// voucher still cached can still be revoked by id. The store here stands in
// for the database's answers to the claim statement; the cache is the real one.
import t from 'tap'
import { AuthCache } from '../../core/auth/cache.js'
import type { AuthStore, ClaimQuery, ClaimResult } from '../../core/auth/store.js'
import type { EffectivePolicy } from '../../core/auth/policy.js'

function fakeStore() {
  const ids = new Map<string, number>()
  const store = {
    async claimVouchers(qs: ClaimQuery[]): Promise<(ClaimResult | null)[]> {
      return qs.map((q) => {
        if (!ids.has(q.code)) ids.set(q.code, ids.size + 1)
        const voucher = { id: ids.get(q.code)!, code: q.code, siteId: null, minutes: null, usedSeconds: 0, maxDevices: 3, validUntil: null, revokedAt: null, devices: [], openDevices: [] }
        return { voucher, device: { deviceId: 1, usage: { daySeconds: 0, dayOctets: 0n, monthSeconds: 0, monthOctets: 0n }, consentUntil: new Map() }, bound: true, retry: false }
      })
    },
  }
  return { store: store as unknown as AuthStore, ids }
}

const claim = (cache: AuthCache, code: string, now: number) =>
  cache.claimVoucher({ code, mac: 'AA-BB-CC-00-00-01', siteId: 1, policy: {} as EffectivePolicy, now: new Date(now) })

t.test('the ids of vouchers seen stay bounded while snapshots come and go', async (t) => {
  const { store } = fakeStore()
  const cache = new AuthCache(store, { maxEntries: 5 })
  const now = Date.now()
  for (let i = 0; i < 100; i++) await claim(cache, `CODE${i}`, now)
  t.equal(cache.size.vouchers, 5, 'snapshots: the bound')
  t.equal(cache.size.voucherIds, 10, 'ids: twice the bound, not one per voucher ever seen')
})

t.test('a voucher still cached is revoked by id through the change log, however many came after it', async (t) => {
  const { store, ids } = fakeStore()
  const cache = new AuthCache(store, { maxEntries: 5 })
  const now = Date.now()
  await claim(cache, 'KEPT', now)
  for (let i = 0; i < 50; i++) {
    await claim(cache, `OTHER${i}`, now)
    // Used again now and then: read again and kept, so it stays among the newest.
    if (i % 3 === 0) await claim(cache, 'KEPT', now)
  }
  t.ok(cache.knowsVoucher('KEPT', now), 'still cached')
  cache.applyChange({ id: 1n, kind: 'voucher', ref: String(ids.get('KEPT')) })
  t.notOk(cache.knowsVoucher('KEPT', now), 'dropped by its id')
})
