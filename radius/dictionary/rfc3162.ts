import type { DictionarySource } from './types.js'

// RFC 3162 §2: IPv6. Framed-Interface-Id is 8 octets (FreeRADIUS type "ifid").
export const rfc3162: DictionarySource = {
  source: 'RFC 3162',
  attributes: [
    ['NAS-IPv6-Address', 95, 'ipv6addr'],
    ['Framed-Interface-Id', 96, 'octets'],
    ['Framed-IPv6-Prefix', 97, 'ipv6prefix'],
    ['Login-IPv6-Host', 98, 'ipv6addr'],
    ['Framed-IPv6-Route', 99, 'string'],
    ['Framed-IPv6-Pool', 100, 'string'],
  ],
}
