// Who may do what: the one table behind every page and every /api/v1 route.
// A route names its access in `config.access`; admin/auth/plugin.ts checks it
// for pages (session cookie) and the API (Bearer token) alike, and refuses to
// start if a route names none. test/admin/roles.test.ts requests every route
// with every role and checks this table.
import type { Role } from '../core/db/generated/client.js'

export const ACCESS = {
  /** Home: aggregates only (people online, access points up/down, rejects, CoA). */
  dashboard: ['admin', 'operator', 'viewer'],
  /** Statistics for officials (admin/stats, issue #11): aggregates only. */
  stats: ['admin', 'operator', 'viewer'],
  /** One's own account: change password, sign out. */
  account: ['admin', 'operator', 'viewer'],
  /** Site names and places (no personal data): statistics are asked per site. */
  'sites.read': ['admin', 'operator', 'viewer'],
  sites: ['admin', 'operator'],
  nas: ['admin', 'operator'],
  policies: ['admin', 'operator'],
  vouchers: ['admin', 'operator'],
  /** Live sessions and history, with the device's MAC; disconnect. */
  sessions: ['admin', 'operator'],
  /** Sessions looked up by a MAC or a phone number: one person's history. */
  'sessions.person': ['admin'],
  terms: ['admin', 'operator'],
  staff: ['admin'],
  tokens: ['admin'],
  audit: ['admin'],
  /** A person's data exported or erased (issue #12 fills this area in). */
  'personal-data': ['admin'],
} as const satisfies Record<string, readonly Role[]>

export type Access = keyof typeof ACCESS

/** A route anyone may reach: the sign-in page, health, metrics, the API's description. */
export const PUBLIC = 'public'

export type RouteAccess = Access | typeof PUBLIC

export function allows(access: RouteAccess, role: Role | undefined): boolean {
  if (access === PUBLIC) return true
  return role !== undefined && (ACCESS[access] as readonly Role[]).includes(role)
}

export function isAccess(v: unknown): v is RouteAccess {
  return v === PUBLIC || (typeof v === 'string' && v in ACCESS)
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route: a key of ACCESS, or 'public'. Every admin route must say. */
    access?: RouteAccess
  }
}
