import type { DictionarySource } from './types.js'

// MikroTik RouterOS (manual: "RADIUS client", vendor attributes). Rate-Limit
// is a string such as "2M/2M" (rx/tx from the router's side).
export const mikrotik: DictionarySource = {
  source: 'MikroTik RouterOS',
  vendor: { name: 'Mikrotik', id: 14988 },
  attributes: [
    ['Mikrotik-Recv-Limit', 1, 'integer'],
    ['Mikrotik-Xmit-Limit', 2, 'integer'],
    ['Mikrotik-Group', 3, 'string'],
    ['Mikrotik-Wireless-Forward', 4, 'integer'],
    ['Mikrotik-Wireless-Skip-Dot1x', 5, 'integer'],
    ['Mikrotik-Wireless-Enc-Algo', 6, 'integer'],
    ['Mikrotik-Wireless-Enc-Key', 7, 'string', { secret: true }],
    ['Mikrotik-Rate-Limit', 8, 'string'],
    ['Mikrotik-Realm', 9, 'string'],
    ['Mikrotik-Host-IP', 10, 'ipaddr'],
    ['Mikrotik-Mark-Id', 11, 'string'],
    ['Mikrotik-Advertise-URL', 12, 'string'],
    ['Mikrotik-Advertise-Interval', 13, 'integer'],
    ['Mikrotik-Recv-Limit-Gigawords', 14, 'integer'],
    ['Mikrotik-Xmit-Limit-Gigawords', 15, 'integer'],
    ['Mikrotik-Wireless-PSK', 16, 'string', { secret: true }],
    ['Mikrotik-Total-Limit', 17, 'integer'],
    ['Mikrotik-Total-Limit-Gigawords', 18, 'integer'],
    ['Mikrotik-Address-List', 19, 'string'],
    ['Mikrotik-Wireless-MPKey', 20, 'string', { secret: true }],
    ['Mikrotik-Wireless-Comment', 21, 'string'],
    ['Mikrotik-Delegated-IPv6-Pool', 22, 'string'],
    ['Mikrotik-DHCP-Option-Set', 23, 'string'],
    ['Mikrotik-DHCP-Option-Param-STR1', 24, 'string'],
    ['Mikrotik-DHCP-Option-Param-STR2', 25, 'string'],
    ['Mikrotik-Wireless-VLANID', 26, 'integer'],
    ['Mikrotik-Wireless-VLANIDtype', 27, 'integer'],
    ['Mikrotik-Wireless-Minsignal', 28, 'string'],
    ['Mikrotik-Wireless-Maxsignal', 29, 'string'],
    ['Mikrotik-Switching-Filter', 30, 'string'],
  ],
  values: {
    'Mikrotik-Wireless-Enc-Algo': { 'No-encryption': 0, '40-bit-WEP': 1, '104-bit-WEP': 2, 'AES-CCM': 3, TKIP: 4 },
    'Mikrotik-Wireless-VLANIDtype': { '802.1q': 0, '802.1ad': 1 },
  },
}
