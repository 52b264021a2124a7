// Policies: what a login is allowed (time, speed, data, devices at once).
// A change is written to the change log in the same transaction, so RADIUS
// applies it from the next login on, and audited with before and after.
import type { Policy, Prisma, PrismaClient } from '../db/generated/client.js'
import { ConflictError, InputError, isUniqueViolation, NotFoundError, Problems } from '../errors.js'
import { auditEvent, changes, type Actor } from './audit.js'
import { announceChanges, recordChange } from './changes.js'

/** The stored units: minutes, seconds, kbit/s, megabytes (10^6 bytes). null: no limit. */
export interface PolicyInput {
  name?: string
  sessionMinutes?: number
  idleMinutes?: number
  interimSeconds?: number
  downKbps?: number | null
  upKbps?: number | null
  sessionMegabytes?: number | null
  dailyMinutes?: number | null
  dailyMegabytes?: number | null
  monthlyMinutes?: number | null
  monthlyMegabytes?: number | null
  simultaneousUse?: number
  consentDays?: number
}

export const POLICY_FIELDS = [
  'name',
  'sessionMinutes',
  'idleMinutes',
  'interimSeconds',
  'downKbps',
  'upKbps',
  'sessionMegabytes',
  'dailyMinutes',
  'dailyMegabytes',
  'monthlyMinutes',
  'monthlyMegabytes',
  'simultaneousUse',
  'consentDays',
] as const

// [field, lowest, highest, may be null (no limit)]
const RANGES: [Exclude<(typeof POLICY_FIELDS)[number], 'name'>, number, number, boolean][] = [
  ['sessionMinutes', 1, 7 * 24 * 60, false],
  ['idleMinutes', 1, 24 * 60, false],
  ['interimSeconds', 60, 3600, false],
  ['downKbps', 64, 10_000_000, true],
  ['upKbps', 64, 10_000_000, true],
  ['sessionMegabytes', 1, 10_000_000, true],
  ['dailyMinutes', 1, 24 * 60, true],
  ['dailyMegabytes', 1, 10_000_000, true],
  ['monthlyMinutes', 1, 31 * 24 * 60, true],
  ['monthlyMegabytes', 1, 100_000_000, true],
  ['simultaneousUse', 1, 20, false],
  ['consentDays', 1, 365, false],
]

export function validatePolicy(input: PolicyInput, creating: boolean): Prisma.PolicyUncheckedUpdateInput {
  const p = new Problems()
  const out: Record<string, unknown> = {}
  if (input.name !== undefined || creating) {
    const name = (input.name ?? '').trim()
    if (!name || name.length > 80) p.add('name', 'the policy name must be 1 to 80 characters', 'policy.name')
    else out.name = name
  }
  for (const [field, lo, hi, nullable] of RANGES) {
    const v = input[field]
    if (v === undefined) continue
    if (v === null) {
      if (nullable) out[field] = null
      else p.add(field, `${field} is required`, 'policy.required')
      continue
    }
    if (!Number.isInteger(v) || v < lo || v > hi) p.add(field, `${field} must be a whole number from ${lo} to ${hi}`, 'policy.range', { lo, hi })
    else out[field] = v
  }
  p.throwIfAny()
  return out as Prisma.PolicyUncheckedUpdateInput
}

export async function listPolicies(prisma: PrismaClient): Promise<(Policy & { siteCount: number })[]> {
  const rows = await prisma.policy.findMany({ include: { _count: { select: { sites: true } } }, orderBy: { name: 'asc' } })
  return rows.map(({ _count, ...p }) => ({ ...p, siteCount: _count.sites }))
}

export async function getPolicy(prisma: PrismaClient, id: number): Promise<Policy & { sites: { id: number; name: string }[] }> {
  const p = await prisma.policy.findUnique({ where: { id }, include: { sites: { select: { id: true, name: true }, orderBy: { name: 'asc' } } } })
  if (!p) throw new NotFoundError(`no policy with id ${id}`)
  return p
}

const taken = (name: unknown) => new InputError(`a policy named "${String(name)}" already exists`, 'name', 'policy.nameTaken', { name: String(name) })

export async function createPolicy(prisma: PrismaClient, input: PolicyInput & { name: string }, actor: Actor): Promise<Policy> {
  const data = validatePolicy(input, true)
  try {
    const policy = await prisma.$transaction(async (tx) => {
      const policy = await tx.policy.create({ data: data as Prisma.PolicyUncheckedCreateInput })
      await auditEvent(tx, actor, 'policy.create', `policy:${policy.id}`, { after: changes({}, policy, POLICY_FIELDS).after })
      return policy
    })
    return policy
  } catch (err) {
    if (isUniqueViolation(err)) throw taken(data.name)
    throw err
  }
}

export async function updatePolicy(prisma: PrismaClient, id: number, input: PolicyInput, actor: Actor): Promise<Policy> {
  const before = await getPolicy(prisma, id)
  const data = validatePolicy(input, false)
  try {
    const after = await prisma.$transaction(async (tx) => {
      const after = await tx.policy.update({ where: { id }, data })
      const diff = changes(before, after, POLICY_FIELDS)
      if (Object.keys(diff.after).length) {
        await auditEvent(tx, actor, 'policy.update', `policy:${id}`, diff)
        await recordChange(tx, 'policy', id)
      }
      return after
    })
    announceChanges()
    return after
  } catch (err) {
    if (isUniqueViolation(err)) throw taken(data.name)
    throw err
  }
}

/** Removes a policy no site uses. */
export async function deletePolicy(prisma: PrismaClient, id: number, actor: Actor): Promise<void> {
  const policy = await getPolicy(prisma, id)
  if (policy.sites.length) {
    throw new ConflictError(`the policy is used by ${policy.sites.length} site(s): attach another policy to them first`, 'policy', 'policy.inUse', { n: policy.sites.length })
  }
  await prisma.$transaction(async (tx) => {
    await tx.policy.delete({ where: { id } })
    await auditEvent(tx, actor, 'policy.delete', `policy:${id}`, { before: changes({}, policy, POLICY_FIELDS).after })
    await recordChange(tx, 'policy', id)
  })
  announceChanges()
}
