// Which vendor sent this browser, and which registered NAS it is.
import type { AccessPoint, PrismaClient } from '../../core/db/generated/client.js'
import { AddressMatcher } from '../../core/net.js'
import { coovaLoginStep, coovaLogoutUrl, coovaOrigin, detectCoova, parseCoova } from './coovachilli.js'
import { detectMikrotik, mikrotikLoginStep, mikrotikLogoutUrl, parseMikrotik } from './mikrotik.js'
import { detectOpenNds, openNdsLoginStep, openNdsLogoutUrl, openNdsOrigin, parseOpenNds } from './opennds.js'
import { originOf, type LoginStep, type NasLogin, type ParseResult, type PortalContext } from './types.js'

export type { LoginStep, NasLogin, ParseResult, PortalContext } from './types.js'

/** The adapter whose parameters the query carries, tried in a fixed order. */
export function parseRedirect(query: Record<string, unknown>): ParseResult | undefined {
  if (detectCoova(query)) return parseCoova(query)
  if (detectMikrotik(query)) return parseMikrotik(query)
  if (detectOpenNds(query)) return parseOpenNds(query)
  return undefined
}

export interface LoginTarget {
  username: string
  password: string
}

/**
 * The step that presents a login to the NAS. `returnUrl` is where the NAS
 * should send the browser afterwards (MikroTik dst, openNDS redir); `secret`
 * is the decrypted UAM secret / FAS key.
 */
export function loginStep(context: PortalContext, creds: LoginTarget, secret: string | undefined, returnUrl: string, lang?: string): LoginStep {
  const login = context.login
  switch (login.vendor) {
    case 'coovachilli':
      return coovaLoginStep(login, creds, secret, context.userUrl, lang)
    case 'mikrotik':
      return mikrotikLoginStep(login, creds, returnUrl)
    case 'opennds':
      if (!secret) throw new Error('openNDS needs its FAS key')
      return openNdsLoginStep(login, secret, returnUrl)
  }
}

export function logoutUrl(login: NasLogin): string {
  switch (login.vendor) {
    case 'coovachilli':
      return coovaLogoutUrl(login)
    case 'mikrotik':
      return mikrotikLogoutUrl(login)
    case 'opennds':
      return openNdsLogoutUrl(login)
  }
}

/** Where forms of this context may go (CSP form-action, redirects after a POST included). */
export function nasOrigins(login: NasLogin): string[] {
  const out = new Set<string>()
  const add = (u: string | undefined) => u && out.add(u)
  switch (login.vendor) {
    case 'coovachilli':
      add(coovaOrigin(login))
      break
    case 'mikrotik':
      add(originOf(login.loginUrl))
      add(login.logoutUrl && originOf(login.logoutUrl))
      break
    case 'opennds':
      add(openNdsOrigin(login))
      break
  }
  return [...out]
}

const REFRESH_MS = 30_000
const MIN_RELOAD_MS = 1_000

/**
 * Registered NAS, cached in memory: the splash page is the hot path. A name
 * not in the cache reloads it (at most once a second), so a NAS added a
 * moment ago is found.
 */
export class NasDirectory {
  readonly #db: PrismaClient
  #byName = new Map<string, AccessPoint>()
  #byId = new Map<number, AccessPoint>()
  #byAddress = new AddressMatcher<AccessPoint>([])
  #loadedAt = 0
  #loading: Promise<void> | undefined

  constructor(db: PrismaClient) {
    this.#db = db
  }

  async #load(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        const rows = await this.#db.accessPoint.findMany()
        this.#byName = new Map(rows.map((r) => [r.name, r]))
        this.#byId = new Map(rows.map((r) => [r.id, r]))
        this.#byAddress = new AddressMatcher(rows.map((r) => [r.address, r] as [string, AccessPoint]))
        this.#loadedAt = Date.now()
      } finally {
        this.#loading = undefined
      }
    })()
    return this.#loading
  }

  async #fresh(missed: boolean): Promise<void> {
    const age = Date.now() - this.#loadedAt
    if (age > REFRESH_MS || (missed && age > MIN_RELOAD_MS)) await this.#load()
  }

  /** By the name the NAS gave, else by the address the request came from (a NAS that NATs its clients). */
  async find(name: string | undefined, sourceIp: string | undefined): Promise<AccessPoint | undefined> {
    await this.#fresh(false)
    let found = this.#lookup(name, sourceIp)
    if (!found) {
      await this.#fresh(true)
      found = this.#lookup(name, sourceIp)
    }
    return found
  }

  async byId(id: number): Promise<AccessPoint | undefined> {
    await this.#fresh(false)
    if (!this.#byId.has(id)) await this.#fresh(true)
    return this.#byId.get(id)
  }

  #lookup(name: string | undefined, sourceIp: string | undefined): AccessPoint | undefined {
    if (name) return this.#byName.get(name)
    return sourceIp ? this.#byAddress.match(sourceIp) : undefined
  }
}
