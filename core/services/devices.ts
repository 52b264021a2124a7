import type { Device, Prisma, PrismaClient } from '../db/generated/client.js'
import { InputError } from '../errors.js'
import { canonicalMac } from '../mac.js'

type Tx = PrismaClient | Prisma.TransactionClient

/** The device row for a MAC address in any vendor spelling, created on first sight. */
export async function deviceForMac(db: Tx, mac: string): Promise<Device> {
  const canonical = canonicalMac(mac)
  if (!canonical) throw new InputError(`"${mac}" is not a MAC address`, 'mac')
  const now = new Date()
  return db.device.upsert({ where: { mac: canonical }, create: { mac: canonical, firstSeenAt: now, lastSeenAt: now }, update: { lastSeenAt: now } })
}
