import type { DictionarySource } from './types.js'

// RFC 2868 §3: tunnel attributes, all tagged. VLAN assignment (RFC 3580 §3.31)
// is Tunnel-Type = VLAN, Tunnel-Medium-Type = IEEE-802, Tunnel-Private-Group-Id = "<vlan id>".
export const rfc2868: DictionarySource = {
  source: 'RFC 2868',
  attributes: [
    ['Tunnel-Type', 64, 'integer', { tagged: true }],
    ['Tunnel-Medium-Type', 65, 'integer', { tagged: true }],
    ['Tunnel-Client-Endpoint', 66, 'string', { tagged: true }],
    ['Tunnel-Server-Endpoint', 67, 'string', { tagged: true }],
    ['Tunnel-Password', 69, 'string', { tagged: true, encrypt: 'tunnel-password', secret: true }],
    ['Tunnel-Private-Group-Id', 81, 'string', { tagged: true }],
    ['Tunnel-Assignment-Id', 82, 'string', { tagged: true }],
    ['Tunnel-Preference', 83, 'integer', { tagged: true }],
    ['Tunnel-Client-Auth-Id', 90, 'string', { tagged: true }],
    ['Tunnel-Server-Auth-Id', 91, 'string', { tagged: true }],
  ],
  values: {
    'Tunnel-Type': {
      PPTP: 1,
      L2F: 2,
      L2TP: 3,
      ATMP: 4,
      VTP: 5,
      AH: 6,
      IP: 7,
      'MIN-IP': 8,
      ESP: 9,
      GRE: 10,
      DVS: 11,
      'IP-in-IP': 12,
    },
    'Tunnel-Medium-Type': {
      IPv4: 1,
      IPv6: 2,
      NSAP: 3,
      HDLC: 4,
      'BBN-1822': 5,
      'IEEE-802': 6,
      'E.163': 7,
      'E.164': 8,
      'F.69': 9,
      'X.121': 10,
      IPX: 11,
      Appletalk: 12,
      'DecNet-IV': 13,
      'Banyan-Vines': 14,
      'E.164-NSAP': 15,
    },
  },
}
