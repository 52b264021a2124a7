import type { DictionarySource } from './types.js'

// RFC 2866 §5: accounting attributes.
export const rfc2866: DictionarySource = {
  source: 'RFC 2866',
  attributes: [
    ['Acct-Status-Type', 40, 'integer'],
    ['Acct-Delay-Time', 41, 'integer'],
    ['Acct-Input-Octets', 42, 'integer'],
    ['Acct-Output-Octets', 43, 'integer'],
    ['Acct-Session-Id', 44, 'string'],
    ['Acct-Authentic', 45, 'integer'],
    ['Acct-Session-Time', 46, 'integer'],
    ['Acct-Input-Packets', 47, 'integer'],
    ['Acct-Output-Packets', 48, 'integer'],
    ['Acct-Terminate-Cause', 49, 'integer'],
    ['Acct-Multi-Session-Id', 50, 'string'],
    ['Acct-Link-Count', 51, 'integer'],
  ],
  values: {
    'Acct-Status-Type': { Start: 1, Stop: 2, 'Interim-Update': 3, 'Accounting-On': 7, 'Accounting-Off': 8, Failed: 15 },
    'Acct-Authentic': { RADIUS: 1, Local: 2, Remote: 3, Diameter: 4 },
    'Acct-Terminate-Cause': {
      'User-Request': 1,
      'Lost-Carrier': 2,
      'Lost-Service': 3,
      'Idle-Timeout': 4,
      'Session-Timeout': 5,
      'Admin-Reset': 6,
      'Admin-Reboot': 7,
      'Port-Error': 8,
      'NAS-Error': 9,
      'NAS-Request': 10,
      'NAS-Reboot': 11,
      'Port-Unneeded': 12,
      'Port-Preempted': 13,
      'Port-Suspended': 14,
      'Service-Unavailable': 15,
      Callback: 16,
      'User-Error': 17,
      'Host-Request': 18,
    },
  },
}
