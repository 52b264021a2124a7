// Voucher codes are read aloud and typed on phones. Never 0/O or 1/I/L; of
// the pairs that remain easy to confuse (2/Z, 5/S, 6/G, 8/B) only the letter
// is used, and the digit typed by mistake is read as that letter. 27 symbols,
// 10 of them: 47.5 bits. Case, spaces and dashes do not matter.
import { randomInt } from 'node:crypto'

export const VOUCHER_ALPHABET = '3479ABCDEFGHJKMNPQRSTUVWXYZ'
export const VOUCHER_LENGTH = 10
export const VOUCHER_BITS = VOUCHER_LENGTH * Math.log2(VOUCHER_ALPHABET.length)

const LOOK_ALIKES: Record<string, string> = { '2': 'Z', '5': 'S', '6': 'G', '8': 'B' }

export function newVoucherCode(): string {
  let code = ''
  for (let i = 0; i < VOUCHER_LENGTH; i++) code += VOUCHER_ALPHABET[randomInt(VOUCHER_ALPHABET.length)]
  return code
}

// Codes as stored, tested without a regular expression: a NAS sends most
// codes this way and every Access-Request asks.
const IN_ALPHABET = new Uint8Array(128)
for (const c of VOUCHER_ALPHABET) IN_ALPHABET[c.charCodeAt(0)] = 1

function isStoredForm(input: string): boolean {
  if (input.length !== VOUCHER_LENGTH) return false
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i)
    if (c >= 128 || !IN_ALPHABET[c]) return false
  }
  return true
}

/** A code as a person typed it, in the stored form. */
export function normalizeVoucherCode(input: string): string {
  if (isStoredForm(input)) return input
  return input
    .toUpperCase()
    .replace(/[\s\-_.]/g, '')
    .replace(/[2568]/g, (d) => LOOK_ALIKES[d]!)
}

export function looksLikeVoucherCode(input: string): boolean {
  return isStoredForm(normalizeVoucherCode(input))
}
