// What an Access-Accept carries, per vendor, and what an Access-Reject says.
import type { Grant, RejectReason } from '../core/auth/types.js'
import { attr, type RawAttribute } from './codec/index.js'
import type { NasClient } from './clients.js'

const GIGA = 2n ** 32n

function splitOctets(total: bigint): { low: number; high: number } {
  return { low: Number(total % GIGA), high: Number(total / GIGA) }
}

// Most accepts of a site carry the same grant: its encoded attributes are
// kept (bounded), not rebuilt per request; the last grant of each vendor is
// compared field by field first, which saves building the key string on
// nearly every accept. encodeResponse does not change the attributes.
const encoded = new Map<string, RawAttribute[]>()
const MAX_ENCODED = 10_000
const lastByVendor = new Map<string, { grant: Grant; attrs: RawAttribute[] }>()

const sameGrant = (a: Grant, b: Grant) =>
  a.sessionTimeout === b.sessionTimeout &&
  a.idleTimeout === b.idleTimeout &&
  a.interimInterval === b.interimInterval &&
  a.upKbps === b.upKbps &&
  a.downKbps === b.downKbps &&
  a.totalOctets === b.totalOctets

/**
 * Time limits for every NAS; bandwidth and data in the attributes each vendor
 * reads. WISPr is understood by CoovaChilli and many controllers, so a
 * generic NAS gets it too.
 */
export function acceptAttributes(grant: Grant, nas: Pick<NasClient, 'vendor'>): RawAttribute[] {
  const last = lastByVendor.get(nas.vendor)
  if (last && sameGrant(last.grant, grant)) return last.attrs
  const key = `${nas.vendor}|${grant.sessionTimeout}|${grant.idleTimeout}|${grant.interimInterval}|${grant.upKbps}|${grant.downKbps}|${grant.totalOctets}`
  let attrs = encoded.get(key)
  if (!attrs) {
    if (encoded.size >= MAX_ENCODED) encoded.clear()
    attrs = buildAcceptAttributes(grant, nas)
    encoded.set(key, attrs)
  }
  lastByVendor.set(nas.vendor, { grant: { ...grant }, attrs })
  return attrs
}

function buildAcceptAttributes(grant: Grant, nas: Pick<NasClient, 'vendor'>): RawAttribute[] {
  const out: RawAttribute[] = [
    attr('Session-Timeout', grant.sessionTimeout),
    attr('Idle-Timeout', grant.idleTimeout),
    attr('Acct-Interim-Interval', grant.interimInterval),
  ]
  const up = grant.upKbps
  const down = grant.downKbps
  switch (nas.vendor) {
    case 'coovachilli':
      if (up) out.push(attr('ChilliSpot-Bandwidth-Max-Up', up), attr('WISPr-Bandwidth-Max-Up', up * 1000))
      if (down) out.push(attr('ChilliSpot-Bandwidth-Max-Down', down), attr('WISPr-Bandwidth-Max-Down', down * 1000))
      if (grant.totalOctets !== null) {
        const { low, high } = splitOctets(grant.totalOctets)
        out.push(attr('ChilliSpot-Max-Total-Octets', low))
        if (high) out.push(attr('ChilliSpot-Max-Total-Gigawords', high))
      }
      break
    case 'mikrotik':
      // rx/tx as the router sees the client: rx is what the client uploads.
      if (up || down) out.push(attr('Mikrotik-Rate-Limit', `${up ? `${up}k` : '0'}/${down ? `${down}k` : '0'}`))
      if (grant.totalOctets !== null) {
        const { low, high } = splitOctets(grant.totalOctets)
        out.push(attr('Mikrotik-Total-Limit', low))
        if (high) out.push(attr('Mikrotik-Total-Limit-Gigawords', high))
      }
      break
    default:
      if (up) out.push(attr('WISPr-Bandwidth-Max-Up', up * 1000))
      if (down) out.push(attr('WISPr-Bandwidth-Max-Down', down * 1000))
  }
  return out
}

const MESSAGES: Record<RejectReason, { vi: string; en: string }> = {
  unknown_user: { vi: 'Mã hoặc tài khoản không tồn tại', en: 'Unknown code or account' },
  wrong_password: { vi: 'Sai mật khẩu', en: 'Wrong password' },
  expired: { vi: 'Mã đã hết hạn', en: 'This code has expired' },
  revoked: { vi: 'Mã đã bị thu hồi', en: 'This code has been withdrawn' },
  wrong_device: { vi: 'Mã này được cấp cho thiết bị khác', en: 'This login belongs to another device' },
  device_limit: { vi: 'Mã đã được dùng trên đủ số thiết bị cho phép', en: 'This code is already used on as many devices as it allows' },
  simultaneous_use: { vi: 'Mã đang được dùng trên thiết bị khác', en: 'This code is in use on another device' },
  quota_used: { vi: 'Đã hết thời gian hoặc dung lượng được phép', en: 'The time or data allowed is used up' },
  no_consent: { vi: 'Vui lòng mở trang đăng nhập và đồng ý điều khoản', en: 'Please open the login page and accept the terms' },
}

/** Vietnamese first; English too when the NAS's language is English. */
export function rejectMessage(reason: RejectReason, language: string): string {
  const m = MESSAGES[reason]
  return language === 'en' ? `${m.en} / ${m.vi}` : m.vi
}

export function rejectAttributes(reason: RejectReason, nas: Pick<NasClient, 'language'>): RawAttribute[] {
  return [attr('Reply-Message', rejectMessage(reason, nas.language))]
}
