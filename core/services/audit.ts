import type { Prisma, PrismaClient } from '../db/generated/client.js'

type Tx = PrismaClient | Prisma.TransactionClient

/** Records who changed what. Details must never hold a secret, password or token. */
export function auditEvent(db: Tx, actor: string, action: string, target?: string, detail: Prisma.InputJsonObject = {}) {
  return db.auditEvent.create({ data: { actor, action, target, detail } })
}
