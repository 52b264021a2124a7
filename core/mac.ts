// MAC addresses arrive in every vendor's spelling (aa:bb:.., AA-BB-.., aabb.cc..,
// aabbcc..): stored and compared in one form, RFC 3580's "AA-BB-CC-DD-EE-FF",
// which is also what most NAS put in Calling-Station-Id.
const CANONICAL = /^[0-9A-F]{2}(?:-[0-9A-F]{2}){5}$/

export function canonicalMac(input: string): string | undefined {
  // Most NAS already send this form (CoovaChilli does): nothing to rewrite.
  if (input.length === 17 && CANONICAL.test(input)) return input
  const hex = input.trim().replace(/[:\-.\s]/g, '')
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) return undefined
  return hex.toUpperCase().match(/../g)!.join('-')
}

export function isMac(input: string): boolean {
  return canonicalMac(input) !== undefined
}
