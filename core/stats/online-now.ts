// People online now: sessions open at this moment, all sites.
import type { PrismaClient } from '../db/generated/client.js'

export async function onlineNow(db: PrismaClient): Promise<number> {
  return db.session.count({ where: { stoppedAt: null } })
}
