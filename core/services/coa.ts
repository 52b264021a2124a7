// Cutting a session off or changing it: the admin app (or a quota running
// out) writes a CoaRequest row; the RADIUS service sends the Disconnect or
// CoA request to the NAS and records the outcome. The admin never imports
// radius/: when both run in one process the bus below wakes RADIUS at once;
// otherwise RADIUS finds the row on its next poll.
import { EventEmitter } from 'node:events'
import type { CoaKind, Prisma, PrismaClient } from '../db/generated/client.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { actorName, auditEvent, type Actor } from './audit.js'

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
  input: { sessionId: bigint; kind: CoaKind; changes?: CoaChanges; requestedBy: Actor; reason?: string },
) {
  const session = await prisma.session.findUnique({ where: { id: input.sessionId }, select: { id: true, nasId: true, stoppedAt: true } })
  if (!session) throw new NotFoundError(`no session ${input.sessionId}`)
  if (session.stoppedAt) throw new ConflictError(`session ${input.sessionId} has already ended`, 'session', 'session.ended')
  const row = await prisma.$transaction(async (tx) => {
    const created = await tx.coaRequest.create({
      data: {
        kind: input.kind,
        nasId: session.nasId,
        sessionId: session.id,
        attributes: (input.changes ?? {}) as Prisma.InputJsonObject,
        requestedBy: actorName(input.requestedBy),
        detail: input.reason ?? null,
      },
    })
    await auditEvent(tx, input.requestedBy, `session.${input.kind}`, `session:${session.id}`, { reason: input.reason ?? null })
    return created
  })
  coaBus.emit('request', row.id)
  return row
}

export type CoaResult = 'ack' | 'nak' | 'timeout'

/** How long a caller waits for the NAS's answer: RADIUS's three tries (7 s), its poll (2 s) when it runs elsewhere, and room for a busy machine. */
export const COA_WAIT_MS = 20_000

/**
 * Waits until RADIUS has recorded the NAS's answer to a request (or given up
 * after its retries). A request nobody sent within `waitMs` (no RADIUS
 * running) counts as a timeout.
 */
export async function waitForCoa(prisma: PrismaClient, id: number, waitMs = COA_WAIT_MS): Promise<{ result: CoaResult; detail: string | null; errorCause: number | null }> {
  const until = Date.now() + waitMs
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    const row = await prisma.coaRequest.findUnique({ where: { id }, select: { state: true, detail: true, errorCause: true } })
    if (!row) return { result: 'timeout', detail: 'the request is gone', errorCause: null }
    if (row.state === 'acked') return { result: 'ack', detail: null, errorCause: null }
    if (row.state === 'nakked') return { result: 'nak', detail: row.detail, errorCause: row.errorCause }
    if (row.state === 'timeout' || row.state === 'failed') return { result: 'timeout', detail: row.detail, errorCause: null }
    if (Date.now() >= until) return { result: 'timeout', detail: row.state === 'pending' ? 'not sent: is the RADIUS service running?' : 'no answer yet', errorCause: null }
    await new Promise((r) => setTimeout(r, delay))
  }
}

/** Asks for a Disconnect-Request and waits for the NAS's answer. */
export async function disconnectSession(prisma: PrismaClient, sessionId: bigint, actor: Actor, opts: { reason?: string; waitMs?: number } = {}) {
  const req = await requestSessionChange(prisma, { sessionId, kind: 'disconnect', requestedBy: actor, reason: opts.reason ?? 'disconnected by staff' })
  return { requestId: req.id, ...(await waitForCoa(prisma, req.id, opts.waitMs)) }
}

/** Disconnect and CoA requests not yet answered (pending or sent). */
export function pendingCoaCount(prisma: PrismaClient): Promise<number> {
  return prisma.coaRequest.count({ where: { state: { in: ['pending', 'sent'] } } })
}
