// IP addresses between text and the octets RADIUS carries (ipaddr: 4 octets,
// ipv6addr: 16, RFC 8044 §3.8-3.9). Hand-written so decoding a packet never
// runs a regular expression or allocates an intermediate array.

/** Dotted quad → 4 octets written at `out[offset]`; false if `text` is not one. */
export function parseIPv4(text: string, out: Buffer, offset = 0): boolean {
  let part = 0
  let value = 0
  let digits = 0
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46 /* '.' ends the last part */
    if (c >= 48 && c <= 57) {
      // A leading zero ("010") reads as octal in some libraries: refuse it.
      if (digits === 1 && value === 0) return false
      value = value * 10 + (c - 48)
      if (++digits > 3 || value > 255) return false
    } else if (c === 46) {
      if (digits === 0 || part > 3) return false
      out[offset + part++] = value
      value = 0
      digits = 0
    } else {
      return false
    }
  }
  return part === 4
}

export function formatIPv4(b: Buffer, offset = 0): string {
  return `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`
}

/** IPv6 text (with "::" and a trailing dotted quad allowed) → 16 octets; false if not one. */
export function parseIPv6(text: string, out: Buffer, offset = 0): boolean {
  const groups: number[] = []
  let gap = -1
  let i = 0
  if (text.startsWith('::')) {
    gap = 0
    i = 2
  }
  while (i < text.length) {
    let value = 0
    let digits = 0
    const start = i
    while (i < text.length && digits <= 4) {
      const h = hexValue(text.charCodeAt(i))
      if (h < 0) break
      value = value * 16 + h
      digits++
      i++
    }
    if (i < text.length && text.charCodeAt(i) === 46 /* '.' */) {
      // RFC 4291 §2.2: the last 32 bits may be written as a dotted quad.
      const quad = Buffer.allocUnsafe(4)
      if (!parseIPv4(text.slice(start), quad)) return false
      groups.push((quad[0] << 8) | quad[1], (quad[2] << 8) | quad[3])
      i = text.length
      break
    }
    if (digits === 0 || digits > 4) return false
    groups.push(value)
    if (i === text.length) break
    if (text.charCodeAt(i) !== 58 /* ':' */) return false
    i++
    if (i < text.length && text.charCodeAt(i) === 58) {
      if (gap >= 0) return false
      gap = groups.length
      i++
    } else if (i === text.length) {
      return false
    }
  }
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) return false
  const fill = 8 - groups.length
  for (let g = 0, w = 0; g < groups.length; g++, w++) {
    if (g === gap) w += fill
    out[offset + w * 2] = groups[g] >> 8
    out[offset + w * 2 + 1] = groups[g] & 0xff
  }
  if (gap >= 0) out.fill(0, offset + gap * 2, offset + (gap + fill) * 2)
  return true
}

/**
 * RFC 5952 form: lower case, no leading zeros, the longest run of two or
 * more zero groups as "::", and an IPv4-mapped address as ::ffff:a.b.c.d (§5).
 */
export function formatIPv6(b: Buffer, offset = 0): string {
  if (isIPv4Mapped(b, offset)) return `::ffff:${formatIPv4(b, offset + 12)}`
  let bestStart = -1
  let bestLength = 1
  for (let g = 0; g < 8; ) {
    if (b.readUInt16BE(offset + g * 2) !== 0) {
      g++
      continue
    }
    let end = g
    while (end < 8 && b.readUInt16BE(offset + end * 2) === 0) end++
    if (end - g > bestLength) {
      bestStart = g
      bestLength = end - g
    }
    g = end
  }
  let text = ''
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      text += '::'
      g += bestLength - 1
      continue
    }
    if (text !== '' && !text.endsWith(':')) text += ':'
    text += b.readUInt16BE(offset + g * 2).toString(16)
  }
  return text
}

function isIPv4Mapped(b: Buffer, offset: number): boolean {
  for (let i = 0; i < 10; i++) if (b[offset + i] !== 0) return false
  return b[offset + 10] === 0xff && b[offset + 11] === 0xff
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}
