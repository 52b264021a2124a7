import type { DictionarySource } from './types.js'

// RFC 3580: IEEE 802.1X with RADIUS. No attributes, but the values that
// VLAN assignment (§3.31) and 802.1X accounting (§3.22, §3.32) use.
export const rfc3580: DictionarySource = {
  source: 'RFC 3580',
  attributes: [],
  values: {
    'Tunnel-Type': { VLAN: 13 },
    'NAS-Port-Type': { 'Token-Ring': 20, FDDI: 21 },
    'Acct-Terminate-Cause': {
      'Supplicant-Restart': 19,
      'Reauthentication-Failure': 20,
      'Port-Reinit': 21,
      'Port-Disabled': 22,
    },
  },
}
