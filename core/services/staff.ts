// Staff accounts of the admin app: argon2id password hashes, roles, and the
// guard that an installation always keeps one enabled admin.
import { randomBytes } from 'node:crypto'
import { hash, verify } from '@node-rs/argon2'
import type { AdminUser, Prisma, PrismaClient, Role } from '../db/generated/client.js'
import { ConflictError, InputError, isUniqueViolation, NotFoundError } from '../errors.js'
import { auditEvent, type Actor } from './audit.js'

export const ROLES = ['admin', 'operator', 'viewer'] as const satisfies readonly Role[]
export const MIN_PASSWORD_LENGTH = 10

export function validRole(input: string): Role {
  if (!(ROLES as readonly string[]).includes(input)) throw new InputError(`unknown role "${input}": one of ${ROLES.join(', ')}`, 'role', 'staff.role')
  return input as Role
}

export function validPassword(password: string, field = 'password'): string {
  if (password.length === 0) throw new InputError('the password is empty', field, 'staff.passwordEmpty')
  if (password.length < MIN_PASSWORD_LENGTH) throw new InputError(`the password is shorter than ${MIN_PASSWORD_LENGTH} characters`, field, 'staff.passwordShort', { min: MIN_PASSWORD_LENGTH })
  if (password.length > 256) throw new InputError('the password is longer than 256 characters', field, 'staff.passwordLong')
  return password
}

export function hashPassword(password: string): Promise<string> {
  // argon2id with the library's defaults (19 MiB, 2 passes): OWASP's minimum.
  return hash(password)
}

export function verifyPassword(stored: string, password: string): Promise<boolean> {
  return verify(stored, password).catch(() => false)
}

/** A random password for a reset: 16 characters of base64url (96 bits), shown once. */
export function randomPassword(): string {
  return randomBytes(12).toString('base64url')
}

export async function addAdminUser(prisma: PrismaClient, input: { username: string; role: string; password: string }, actor: Actor): Promise<AdminUser> {
  const username = input.username.trim()
  if (!/^[a-zA-Z0-9._@-]{3,64}$/.test(username)) {
    throw new InputError(`"${input.username}" is not a usable user name: 3 to 64 letters, digits, ".", "_", "-" or "@"`, 'username', 'staff.username')
  }
  const role = validRole(input.role)
  const passwordHash = await hashPassword(validPassword(input.password))
  try {
    return await prisma.$transaction(async (tx) => {
      const user = await tx.adminUser.create({ data: { username, role, passwordHash, passwordChangedAt: new Date() } })
      await auditEvent(tx, actor, 'admin-user.create', `admin-user:${user.id}`, { username, role })
      return user
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw new InputError(`a staff account "${username}" already exists`, 'username', 'staff.usernameTaken', { username })
    throw err
  }
}

export type StaffView = Pick<AdminUser, 'id' | 'username' | 'role' | 'createdAt' | 'disabledAt' | 'lastLoginAt' | 'passwordChangedAt'>

const VIEW = { id: true, username: true, role: true, createdAt: true, disabledAt: true, lastLoginAt: true, passwordChangedAt: true } as const

export function listStaff(prisma: PrismaClient): Promise<StaffView[]> {
  return prisma.adminUser.findMany({ select: VIEW, orderBy: { username: 'asc' } })
}

export async function getStaff(prisma: PrismaClient, id: number): Promise<StaffView> {
  const u = await prisma.adminUser.findUnique({ where: { id }, select: VIEW })
  if (!u) throw new NotFoundError(`no staff account with id ${id}`)
  return u
}

/** Refuses a change that would leave no enabled admin. Runs in the change's transaction. */
async function keepOneAdmin(tx: Prisma.TransactionClient, changedId: number): Promise<void> {
  const left = await tx.adminUser.count({ where: { role: 'admin', disabledAt: null, id: { not: changedId } } })
  if (!left) throw new ConflictError('this is the last enabled admin account: make another admin first', 'role', 'staff.lastAdmin')
}

export async function updateStaff(prisma: PrismaClient, id: number, input: { role?: string; disabled?: boolean }, actor: Actor): Promise<StaffView> {
  const before = await getStaff(prisma, id)
  const role = input.role === undefined ? before.role : validRole(input.role)
  const disabled = input.disabled ?? before.disabledAt !== null
  return prisma.$transaction(async (tx) => {
    if (before.role === 'admin' && !before.disabledAt && (role !== 'admin' || disabled)) await keepOneAdmin(tx, id)
    const after = await tx.adminUser.update({
      where: { id },
      data: { role, disabledAt: disabled ? (before.disabledAt ?? new Date()) : null },
      select: VIEW,
    })
    // A disabled account is signed out everywhere at once.
    if (disabled) await tx.adminSession.deleteMany({ where: { userId: id } })
    const detail = { before: { role: before.role, disabled: before.disabledAt !== null }, after: { role, disabled } }
    if (detail.before.role !== role || detail.before.disabled !== disabled) await auditEvent(tx, actor, 'admin-user.update', `admin-user:${id}`, detail)
    return after
  })
}

/** Sets a new random password (returned once) and signs the account out everywhere. */
export async function resetStaffPassword(prisma: PrismaClient, id: number, actor: Actor): Promise<{ user: StaffView; password: string }> {
  await getStaff(prisma, id)
  const password = randomPassword()
  const passwordHash = await hashPassword(password)
  const user = await prisma.$transaction(async (tx) => {
    const user = await tx.adminUser.update({ where: { id }, data: { passwordHash, passwordChangedAt: new Date() }, select: VIEW })
    await tx.adminSession.deleteMany({ where: { userId: id } })
    await auditEvent(tx, actor, 'admin-user.reset-password', `admin-user:${id}`, { username: user.username })
    return user
  })
  return { user, password }
}

/** A staff member changes their own password; their other sessions end. */
export async function changeOwnPassword(
  prisma: PrismaClient,
  input: { userId: number; current: string; next: string; keepSessionId?: string },
  actor: Actor,
): Promise<void> {
  const user = await prisma.adminUser.findUnique({ where: { id: input.userId } })
  if (!user) throw new NotFoundError(`no staff account with id ${input.userId}`)
  if (!(await verifyPassword(user.passwordHash, input.current))) throw new InputError('the current password is not right', 'current', 'staff.currentWrong')
  validPassword(input.next, 'next')
  if (input.next === input.current) throw new InputError('the new password is the same as the current one', 'next', 'staff.passwordSame')
  const passwordHash = await hashPassword(input.next)
  await prisma.$transaction(async (tx) => {
    await tx.adminUser.update({ where: { id: user.id }, data: { passwordHash, passwordChangedAt: new Date() } })
    await tx.adminSession.deleteMany({ where: { userId: user.id, ...(input.keepSessionId ? { id: { not: input.keepSessionId } } : {}) } })
    await auditEvent(tx, actor, 'admin-user.change-password', `admin-user:${user.id}`, {})
  })
}
