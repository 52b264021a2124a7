import type { DictionarySource } from './types.js'

// RFC 3579 §3: EAP over RADIUS. Message-Authenticator is the HMAC-MD5 of the
// whole packet (§3.2); codec/crypto.ts computes and checks it.
export const rfc3579: DictionarySource = {
  source: 'RFC 3579',
  attributes: [
    ['EAP-Message', 79, 'octets'],
    ['Message-Authenticator', 80, 'octets'],
  ],
}
