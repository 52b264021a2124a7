import type { DictionarySource } from './types.js'

// Wi-Fi Alliance WISPr 1.0 (hotspot roaming best practices). CoovaChilli and
// many captive portals read the bandwidth limits (bit/s) and the logoff URL.
export const wispr: DictionarySource = {
  source: 'WISPr 1.0',
  vendor: { name: 'WISPr', id: 14122 },
  attributes: [
    ['WISPr-Location-ID', 1, 'string'],
    ['WISPr-Location-Name', 2, 'string'],
    ['WISPr-Logoff-URL', 3, 'string'],
    ['WISPr-Redirection-URL', 4, 'string'],
    ['WISPr-Bandwidth-Min-Up', 5, 'integer'],
    ['WISPr-Bandwidth-Min-Down', 6, 'integer'],
    ['WISPr-Bandwidth-Max-Up', 7, 'integer'],
    ['WISPr-Bandwidth-Max-Down', 8, 'integer'],
    ['WISPr-Session-Terminate-Time', 9, 'string'],
    ['WISPr-Session-Terminate-End-Of-Day', 10, 'string'],
    ['WISPr-Billing-Class-Of-Service', 11, 'string'],
  ],
}
