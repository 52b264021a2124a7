// The NAS clients RADIUS answers: found by source address (exact IP or the
// most specific registered network), each with its own shared secret. Kept in
// memory and reloaded when the change log says a NAS changed.
import type { PrismaClient } from '../core/db/generated/client.js'
import { AddressMatcher } from '../core/net.js'
import type { SecretBox } from '../core/secret-box.js'

export interface NasClient {
  id: number
  name: string
  siteId: number
  vendor: 'coovachilli' | 'mikrotik' | 'opennds' | 'generic'
  address: string
  secret: Buffer
  /** Legacy NAS that cannot send Message-Authenticator: an admin's deliberate choice (BlastRADIUS). */
  allowMissingMessageAuthenticator: boolean
  coaPort: number
  language: string
}

export class NasRegistry {
  #matcher = new AddressMatcher<NasClient>([])
  #byId = new Map<number, NasClient>()

  constructor(
    private readonly prisma: PrismaClient,
    private readonly secrets: SecretBox,
  ) {}

  async load(): Promise<number> {
    const rows = await this.prisma.accessPoint.findMany()
    const clients = rows.map<NasClient>((r) => ({
      id: r.id,
      name: r.name,
      siteId: r.siteId,
      vendor: r.vendor,
      address: r.address,
      secret: Buffer.from(this.secrets.decrypt(r.secretEnc), 'utf8'),
      allowMissingMessageAuthenticator: r.allowMissingMessageAuthenticator,
      coaPort: r.coaPort,
      language: r.language,
    }))
    // A disabled NAS is not answered (its packets are dropped as from an
    // unknown client), but stays known by id so that a Disconnect can still reach it.
    const enabled = clients.filter((_c, i) => rows[i]!.disabledAt === null)
    this.#matcher = new AddressMatcher(enabled.map((c) => [c.address, c]))
    this.#byId = new Map(clients.map((c) => [c.id, c]))
    return enabled.length
  }

  match(ip: string): NasClient | undefined {
    return this.#matcher.match(ip)
  }

  byId(id: number): NasClient | undefined {
    return this.#byId.get(id)
  }

  get size(): number {
    return this.#byId.size
  }
}
