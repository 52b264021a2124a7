// The admin app's home: aggregates any role may see (people online, access
// points up and down, rejects by reason, CoA in flight). No MAC, phone, IP
// or session row here; the names of access points that are down are for
// IT staff (the page shows them to operators and admins only).
import type { PrismaClient } from '../db/generated/client.js'
import { pendingCoaCount } from './coa.js'
import { isUp } from './nas.js'

export interface Dashboard {
  onlineNow: number
  onlineBySite: { siteId: number; name: string; count: number }[]
  nas: { total: number; up: number; down: number; disabled: number }
  /** Access points not heard from within the up window (enabled ones only). */
  downNas: { id: number; name: string; site: string; lastSeenAt: Date | null }[]
  /** Access-Rejects in this hour and the one before, by reason. */
  rejectsLastHour: { reason: string; count: number }[]
  acceptsLastHour: number
  pendingCoa: number
}

export async function dashboard(prisma: PrismaClient, now = new Date()): Promise<Dashboard> {
  const since = new Date(now.getTime() - 3600_000)
  since.setUTCMinutes(0, 0, 0)
  const [online, sites, nas, auth, pendingCoa] = await Promise.all([
    prisma.session.groupBy({ by: ['siteId'], where: { stoppedAt: null }, _count: { _all: true } }),
    prisma.site.findMany({ select: { id: true, name: true } }),
    prisma.accessPoint.findMany({ select: { id: true, name: true, lastSeenAt: true, disabledAt: true, site: { select: { name: true } } }, orderBy: { name: 'asc' } }),
    prisma.statsAuthHourly.groupBy({ by: ['result', 'reason'], where: { scope: 0, hour: { gte: since } }, _sum: { count: true } }),
    pendingCoaCount(prisma),
  ])
  const names = new Map(sites.map((s) => [s.id, s.name]))
  const onlineBySite = online.map((o) => ({ siteId: o.siteId, name: names.get(o.siteId) ?? String(o.siteId), count: o._count._all })).sort((a, b) => b.count - a.count)
  const enabled = nas.filter((n) => !n.disabledAt)
  const down = enabled.filter((n) => !isUp(n, now.getTime()))
  return {
    onlineNow: onlineBySite.reduce((n, s) => n + s.count, 0),
    onlineBySite,
    nas: { total: nas.length, up: enabled.length - down.length, down: down.length, disabled: nas.length - enabled.length },
    downNas: down.map((n) => ({ id: n.id, name: n.name, site: n.site.name, lastSeenAt: n.lastSeenAt })),
    rejectsLastHour: auth
      .filter((a) => a.result === 'reject')
      .map((a) => ({ reason: a.reason, count: a._sum.count ?? 0 }))
      .sort((a, b) => b.count - a.count),
    acceptsLastHour: auth.filter((a) => a.result === 'accept').reduce((n, a) => n + (a._sum.count ?? 0), 0),
    pendingCoa,
  }
}
