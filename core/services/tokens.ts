import { createHash, randomBytes } from 'node:crypto'
import type { PrismaClient } from '../db/generated/client.js'
import { InputError } from '../errors.js'
import { auditEvent } from './audit.js'
import { validRole } from './staff.js'

const PREFIX = 'cwt_'

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** Creates an API token; the token itself is returned once and only its hash is kept. */
export async function createApiToken(prisma: PrismaClient, input: { name: string; role: string }, actor: string) {
  const name = input.name.trim()
  if (!name || name.length > 100) throw new InputError('the token name must be 1 to 100 characters', 'name')
  const role = validRole(input.role)
  const token = PREFIX + randomBytes(32).toString('base64url')
  const row = await prisma.$transaction(async (tx) => {
    const created = await tx.apiToken.create({ data: { name, role, tokenHash: tokenHash(token), prefix: token.slice(0, 10) } })
    await auditEvent(tx, actor, 'token.create', `token:${created.id}`, { name, role })
    return created
  })
  return { id: row.id, name, role, token }
}
