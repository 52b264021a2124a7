import { hash, verify } from '@node-rs/argon2'
import type { AdminUser, PrismaClient, Role } from '../db/generated/client.js'
import { InputError, isUniqueViolation } from '../errors.js'
import { auditEvent } from './audit.js'

export const ROLES = ['admin', 'operator', 'viewer'] as const satisfies readonly Role[]
export const MIN_PASSWORD_LENGTH = 10

export function validRole(input: string): Role {
  if (!(ROLES as readonly string[]).includes(input)) throw new InputError(`unknown role "${input}": one of ${ROLES.join(', ')}`, 'role')
  return input as Role
}

export function validPassword(password: string): string {
  if (password.length === 0) throw new InputError('the password is empty', 'password')
  if (password.length < MIN_PASSWORD_LENGTH) throw new InputError(`the password is shorter than ${MIN_PASSWORD_LENGTH} characters`, 'password')
  if (password.length > 256) throw new InputError('the password is longer than 256 characters', 'password')
  return password
}

export function hashPassword(password: string): Promise<string> {
  // argon2id with the library's defaults (19 MiB, 2 passes): OWASP's minimum.
  return hash(password)
}

export function verifyPassword(stored: string, password: string): Promise<boolean> {
  return verify(stored, password).catch(() => false)
}

export async function addAdminUser(
  prisma: PrismaClient,
  input: { username: string; role: string; password: string },
  actor: string,
): Promise<AdminUser> {
  const username = input.username.trim()
  if (!/^[a-zA-Z0-9._@-]{3,64}$/.test(username)) {
    throw new InputError(`"${input.username}" is not a usable user name: 3 to 64 letters, digits, ".", "_", "-" or "@"`, 'username')
  }
  const role = validRole(input.role)
  const passwordHash = await hashPassword(validPassword(input.password))
  try {
    return await prisma.$transaction(async (tx) => {
      const user = await tx.adminUser.create({ data: { username, role, passwordHash } })
      await auditEvent(tx, actor, 'admin-user.create', `admin-user:${user.id}`, { username, role })
      return user
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw new InputError(`a staff account "${username}" already exists`, 'username')
    throw err
  }
}
