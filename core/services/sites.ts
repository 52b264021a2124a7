import type { PrismaClient, Site } from '../db/generated/client.js'
import { InputError, isUniqueViolation } from '../errors.js'
import { auditEvent } from './audit.js'
import { recordChange } from './changes.js'

export function validSiteName(input: string): string {
  const name = input.trim()
  if (!name) throw new InputError('the site name is empty', 'name')
  if (name.length > 120) throw new InputError('the site name is longer than 120 characters', 'name')
  return name
}

export async function addSite(prisma: PrismaClient, input: { name: string; address?: string }, actor: string): Promise<Site> {
  const name = validSiteName(input.name)
  try {
    return await prisma.$transaction(async (tx) => {
      const site = await tx.site.create({ data: { name, address: input.address?.trim() || null } })
      await auditEvent(tx, actor, 'site.create', `site:${site.id}`, { name })
      await recordChange(tx, 'site', site.id)
      return site
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw new InputError(`a site named "${name}" already exists`, 'name')
    throw err
  }
}

export async function siteByName(prisma: PrismaClient, input: string): Promise<Site> {
  const name = input.trim()
  const site = await prisma.site.findUnique({ where: { name } })
  if (site) return site
  const known = await prisma.site.findMany({ select: { name: true }, orderBy: { name: 'asc' }, take: 10 })
  const hint = known.length ? ` (sites: ${known.map((s) => `"${s.name}"`).join(', ')})` : ' (there are no sites yet: `citywifi site add --name …`)'
  throw new InputError(`no site named "${name}"${hint}`, 'site')
}
