import type { DictionarySource } from './types.js'

// Ruckus (CommScope) SmartZone and ZoneDirector: SSID, location and VLAN.
export const ruckus: DictionarySource = {
  source: 'Ruckus',
  vendor: { name: 'Ruckus', id: 25053 },
  attributes: [
    ['Ruckus-User-Groups', 1, 'string'],
    ['Ruckus-Sta-RSSI', 2, 'integer'],
    ['Ruckus-SSID', 3, 'string'],
    ['Ruckus-Wlan-Id', 4, 'integer'],
    ['Ruckus-Location', 5, 'string'],
    ['Ruckus-VLAN-ID', 9, 'integer'],
  ],
}
