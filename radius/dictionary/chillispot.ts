import type { DictionarySource } from './types.js'

// ChilliSpot and its successor CoovaChilli (src/radius_chillispot.h). Octet
// limits are 32-bit: CoovaChilli adds the *-Gigawords attributes (21-23) for
// the upper 32 bits, named as in its own doc/dictionary.chillispot because
// FreeRADIUS's copy of this dictionary stops at 9 and 100-102.
export const chillispot: DictionarySource = {
  source: 'ChilliSpot / CoovaChilli',
  vendor: { name: 'ChilliSpot', id: 14559 },
  attributes: [
    ['ChilliSpot-Max-Input-Octets', 1, 'integer'],
    ['ChilliSpot-Max-Output-Octets', 2, 'integer'],
    ['ChilliSpot-Max-Total-Octets', 3, 'integer'],
    ['ChilliSpot-Bandwidth-Max-Up', 4, 'integer'],
    ['ChilliSpot-Bandwidth-Max-Down', 5, 'integer'],
    ['ChilliSpot-Config', 6, 'string'],
    ['ChilliSpot-Lang', 7, 'string'],
    ['ChilliSpot-Version', 8, 'string'],
    ['ChilliSpot-OriginalURL', 9, 'string'],
    ['ChilliSpot-Acct-View-Point', 10, 'integer'],
    ['ChilliSpot-Max-Input-Gigawords', 21, 'integer'],
    ['ChilliSpot-Max-Output-Gigawords', 22, 'integer'],
    ['ChilliSpot-Max-Total-Gigawords', 23, 'integer'],
    ['ChilliSpot-UAM-Allowed', 100, 'string'],
    ['ChilliSpot-MAC-Allowed', 101, 'string'],
    ['ChilliSpot-Interval', 102, 'integer'],
  ],
  values: {
    // Whose side the octet counters take: the NAS's (input = from the client) or the client's.
    'ChilliSpot-Acct-View-Point': { 'ChilliSpot-NAS-View-Point': 1, 'ChilliSpot-Client-View-Point': 2 },
    // ChilliSpot's remote-configuration request (0x38df = 14559 in the high half);
    // CoovaChilli sends Service-Type = Administrative-User instead.
    'Service-Type': { 'ChilliSpot-Authorize-Only': 0x38df0001 },
  },
}
