// API tokens for scripts: `Authorization: Bearer cwt_…` on /api/v1. The token
// is shown once; only its SHA-256 is kept (a token has 256 random bits, so a
// fast hash is enough: nothing to brute-force).
import { createHash, randomBytes } from 'node:crypto'
import type { ApiToken, PrismaClient, Role } from '../db/generated/client.js'
import { InputError, NotFoundError } from '../errors.js'
import { auditEvent, type Actor } from './audit.js'
import { validRole } from './staff.js'

const PREFIX = 'cwt_'

/** lastUsedAt is written at most this often per token, not on every request. */
const LAST_USED_EVERY_MS = 60_000

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** Creates an API token; the token itself is returned once and only its hash is kept. */
export async function createApiToken(prisma: PrismaClient, input: { name: string; role: string }, actor: Actor) {
  const name = input.name.trim()
  if (!name || name.length > 100) throw new InputError('the token name must be 1 to 100 characters', 'name', 'token.name')
  const role = validRole(input.role)
  const token = PREFIX + randomBytes(32).toString('base64url')
  const row = await prisma.$transaction(async (tx) => {
    const created = await tx.apiToken.create({ data: { name, role, tokenHash: tokenHash(token), prefix: token.slice(0, 10) } })
    await auditEvent(tx, actor, 'token.create', `token:${created.id}`, { name, role })
    return created
  })
  return { id: row.id, name, role, token }
}

export type TokenView = Omit<ApiToken, 'tokenHash'>

export function listTokens(prisma: PrismaClient): Promise<TokenView[]> {
  return prisma.apiToken.findMany({ omit: { tokenHash: true }, orderBy: [{ revokedAt: { sort: 'desc', nulls: 'first' } }, { createdAt: 'desc' }] })
}

export async function revokeToken(prisma: PrismaClient, id: number, actor: Actor): Promise<TokenView> {
  const t = await prisma.apiToken.findUnique({ where: { id }, omit: { tokenHash: true } })
  if (!t) throw new NotFoundError(`no API token with id ${id}`)
  if (t.revokedAt) return t
  return prisma.$transaction(async (tx) => {
    const after = await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() }, omit: { tokenHash: true } })
    await auditEvent(tx, actor, 'token.revoke', `token:${id}`, { name: t.name })
    return after
  })
}

/** The token's identity and role, or null when it is unknown or revoked. */
export async function authenticateToken(prisma: PrismaClient, token: string): Promise<{ id: number; name: string; role: Role } | null> {
  if (!token.startsWith(PREFIX) || token.length > 100) return null
  const row = await prisma.apiToken.findUnique({ where: { tokenHash: tokenHash(token) } })
  if (!row || row.revokedAt) return null
  const now = Date.now()
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > LAST_USED_EVERY_MS) {
    await prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } })
  }
  return { id: row.id, name: row.name, role: row.role }
}
