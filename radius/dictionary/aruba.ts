import type { DictionarySource } from './types.js'

// Aruba (HPE) controllers and Instant APs: the role and VLAN a client gets,
// and which SSID and AP group it came from.
export const aruba: DictionarySource = {
  source: 'Aruba',
  vendor: { name: 'Aruba', id: 14823 },
  attributes: [
    ['Aruba-User-Role', 1, 'string'],
    ['Aruba-User-Vlan', 2, 'integer'],
    ['Aruba-Essid-Name', 5, 'string'],
    ['Aruba-Location-Id', 6, 'string'],
    ['Aruba-Named-User-Vlan', 9, 'string'],
    ['Aruba-AP-Group', 10, 'string'],
  ],
}
