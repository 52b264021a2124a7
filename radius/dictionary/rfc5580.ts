import type { DictionarySource } from './types.js'

// RFC 5580: location. Operator-Name identifies the network's operator (the
// city) to roaming partners; access points may send the AP's location.
export const rfc5580: DictionarySource = {
  source: 'RFC 5580',
  attributes: [
    ['Operator-Name', 126, 'string'],
    ['Location-Information', 127, 'octets'],
    ['Location-Data', 128, 'octets'],
    ['Basic-Location-Policy-Rules', 129, 'octets'],
    ['Extended-Location-Policy-Rules', 130, 'string'],
    ['Location-Capable', 131, 'integer'],
    ['Requested-Location-Info', 132, 'integer'],
  ],
  // Both are bit sets (§4.7, §4.8): a value names one bit.
  values: {
    'Location-Capable': { 'Civic-Location': 1, 'Geo-Location': 2, 'Users-Location': 4, 'NAS-Location': 8 },
    'Requested-Location-Info': {
      'Civic-Location': 1,
      'Geo-Location': 2,
      'Users-Location': 4,
      'NAS-Location': 8,
      'Future-Requests': 16,
      None: 32,
    },
  },
}
