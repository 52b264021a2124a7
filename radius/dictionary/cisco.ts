import type { DictionarySource } from './types.js'

// Cisco (and the many controllers that copy it): Cisco-AVPair carries
// "name=value" settings, e.g. "url-redirect=…" or "subscriber:command=reauthenticate" in CoA.
export const cisco: DictionarySource = {
  source: 'Cisco',
  vendor: { name: 'Cisco', id: 9 },
  attributes: [
    ['Cisco-AVPair', 1, 'string'],
    ['Cisco-NAS-Port', 2, 'string'],
  ],
}
