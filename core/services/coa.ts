// Cutting a session off or changing it: the admin app (or a quota running
// out) writes a CoaRequest row; the RADIUS service sends the Disconnect or
// CoA request to the NAS and records the outcome. The admin never imports
// radius/: when both run in one process the bus below wakes RADIUS at once;
// otherwise RADIUS finds the row on its next poll.
import { EventEmitter } from 'node:events'
import type { CoaKind, Prisma, PrismaClient } from '../db/generated/client.js'
import { InputError } from '../errors.js'
import { auditEvent } from './audit.js'

export const coaBus = new EventEmitter()
coaBus.setMaxListeners(0)

/** What a CoA-Request may change (RFC 5176 §3.5: attributes the NAS reapplies). */
export interface CoaChanges {
  sessionTimeout?: number
  downKbps?: number
  upKbps?: number
}

export async function requestSessionChange(
  prisma: PrismaClient,
  input: { sessionId: bigint; kind: CoaKind; changes?: CoaChanges; requestedBy: string; reason?: string },
) {
  const session = await prisma.session.findUnique({ where: { id: input.sessionId }, select: { id: true, nasId: true, stoppedAt: true } })
  if (!session) throw new InputError(`no session ${input.sessionId}`, 'session')
  if (session.stoppedAt) throw new InputError(`session ${input.sessionId} has already ended`, 'session')
  const row = await prisma.$transaction(async (tx) => {
    const created = await tx.coaRequest.create({
      data: {
        kind: input.kind,
        nasId: session.nasId,
        sessionId: session.id,
        attributes: (input.changes ?? {}) as Prisma.InputJsonObject,
        requestedBy: input.requestedBy,
        detail: input.reason ?? null,
      },
    })
    await auditEvent(tx, input.requestedBy, `session.${input.kind}`, `session:${session.id}`, { reason: input.reason ?? null })
    return created
  })
  coaBus.emit('request', row.id)
  return row
}
