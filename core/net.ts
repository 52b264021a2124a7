// Addresses of NAS clients: an exact IP or a network in CIDR notation,
// stored in one canonical text form.
import { BlockList, isIP } from 'node:net'

export interface NasAddress {
  /** "10.0.0.5", "10.0.0.0/24", "2001:db8::/32" */
  text: string
  family: 'ipv4' | 'ipv6'
  network: string
  prefix: number
}

export class AddressError extends Error {
  override name = 'AddressError'
}

function canonicalIp(ip: string): string {
  // The URL parser writes IPv6 in its shortest RFC 5952 form.
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0)
}

function ipv6ToBigInt(ip: string): bigint {
  const [head, tail] = ip.split('::')
  const h = head ? head.split(':') : []
  const t = tail !== undefined && tail !== '' ? tail.split(':') : []
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n)
}

/** Parses "ADDR" or "ADDR/PREFIX"; rejects host bits set under the prefix. */
export function parseNasAddress(input: string): NasAddress {
  const [ip, prefixText, extra] = input.trim().split('/')
  const version = isIP(ip ?? '')
  if (!ip || version === 0 || extra !== undefined || ip.includes('%')) {
    throw new AddressError(`"${input}" is not an IP address or network (examples: 192.0.2.10, 10.1.0.0/16, 2001:db8::/48)`)
  }
  const max = version === 4 ? 32 : 128
  let prefix = max
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max || Number(prefixText) < 1) {
      throw new AddressError(`"${input}" has an invalid prefix length: expected /1 to /${max}`)
    }
    prefix = Number(prefixText)
  }
  const network = canonicalIp(ip)
  if (prefix < max) {
    const hostBits = version === 4 ? (ipv4ToInt(network) % 2 ** (32 - prefix)) !== 0 : (ipv6ToBigInt(network) & ((1n << BigInt(128 - prefix)) - 1n)) !== 0n
    if (hostBits) throw new AddressError(`"${input}" has host bits set below /${prefix}: give the network address of the range`)
  }
  return { text: prefix === max ? network : `${network}/${prefix}`, family: version === 4 ? 'ipv4' : 'ipv6', network, prefix }
}

/**
 * Finds the NAS entry for a source address: the most specific match wins,
 * so a single access point can be carved out of a registered network.
 */
export class AddressMatcher<T> {
  readonly #exact = new Map<string, T>()
  readonly #networks: { list: BlockList; prefix: number; value: T }[] = []

  constructor(entries: Iterable<[string, T]>) {
    for (const [text, value] of entries) {
      const a = parseNasAddress(text)
      if (a.prefix === (a.family === 'ipv4' ? 32 : 128)) {
        this.#exact.set(a.network, value)
      } else {
        const list = new BlockList()
        list.addSubnet(a.network, a.prefix, a.family)
        this.#networks.push({ list, prefix: a.prefix, value })
      }
    }
    this.#networks.sort((x, y) => y.prefix - x.prefix)
  }

  match(ip: string): T | undefined {
    // Node reports IPv4 senders on a dual-stack socket as ::ffff:a.b.c.d.
    const addr = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip
    const exact = this.#exact.get(isIP(addr) === 6 ? canonicalIp(addr) : addr)
    if (exact !== undefined) return exact
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4'
    for (const n of this.#networks) if (n.list.check(addr, family)) return n.value
    return undefined
  }
}
