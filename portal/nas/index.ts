// The NAS adapters, in one table, and the one way a redirect becomes a
// context: find the registered NAS the query names, take the adapter of
// that NAS's registered vendor (a query in another vendor's format is
// refused), parse what the NAS vouches for, then verify it. No other path
// hands out a PortalContext from a query.
import type { AccessPoint, PrismaClient } from '../../core/db/generated/client.js'
import { AddressMatcher } from '../../core/net.js'
import { coovaAdapter } from './coovachilli.js'
import { mikrotikAdapter } from './mikrotik.js'
import { openNdsAdapter } from './opennds.js'
import type { NasAdapter, NasFinder, NasLogin, NasTrust, PortalContext, PortalVendor, RedirectInput } from './types.js'

export type { LoginStep, NasAdapter, NasLogin, NasTrust, ParseResult, PortalContext, RedirectInput } from './types.js'

export const ADAPTERS: Readonly<Record<PortalVendor, NasAdapter>> = {
  coovachilli: coovaAdapter,
  mikrotik: mikrotikAdapter,
  opennds: openNdsAdapter,
}

/** The adapter of a registered vendor; undefined for "generic" (RADIUS only, no portal). */
export function adapterFor(vendor: string): NasAdapter | undefined {
  return Object.hasOwn(ADAPTERS, vendor) ? ADAPTERS[vendor as PortalVendor] : undefined
}

/** The adapter of a login carried in a signed token. */
export function adapterOf(login: NasLogin): NasAdapter {
  return ADAPTERS[login.vendor]
}

export type RedirectResult =
  | { kind: 'none' }
  | { kind: 'bad'; problem: string; nas?: AccessPoint }
  | { kind: 'unknown-nas'; name: string }
  | { kind: 'ok'; context: PortalContext; trust: NasTrust }

export async function readRedirect(input: RedirectInput, finder: NasFinder): Promise<RedirectResult> {
  const formats = Object.values(ADAPTERS).filter((a) => a.detect(input.query))
  if (formats.length === 0) return { kind: 'none' }
  let claimed: string | undefined
  let nas: AccessPoint | undefined
  for (const a of formats) {
    const found = await a.locate(input, finder)
    claimed ??= found.claimed
    if (found.nas) {
      nas = found.nas
      break
    }
  }
  if (!nas || nas.disabledAt) return { kind: 'unknown-nas', name: claimed ?? input.sourceIp }
  const adapter = adapterFor(nas.vendor)
  if (!adapter) return { kind: 'bad', problem: `NAS "${nas.name}" is registered as ${nas.vendor}, which has no portal`, nas }
  if (!adapter.detect(input.query)) return { kind: 'bad', problem: `NAS "${nas.name}" is a ${nas.vendor}: a redirect in another vendor's format is refused`, nas }
  const trust: NasTrust = { nas, secret: finder.secret(nas) }
  const parsed = adapter.parse(input, trust)
  if (!parsed.ok) return { kind: 'bad', problem: parsed.problem, nas }
  const problem = adapter.verifyRedirect(input, parsed.context, trust)
  if (problem) return { kind: 'bad', problem, nas }
  return { kind: 'ok', context: parsed.context, trust }
}

export interface LoginTarget {
  username: string
  password: string
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

  async ofVendor(vendor: string): Promise<AccessPoint[]> {
    await this.#fresh(false)
    return [...this.#byId.values()].filter((n) => n.vendor === vendor && !n.disabledAt)
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
