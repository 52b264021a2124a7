// Packet codes: RFC 2865 §3 (1-5, 11), RFC 5997 (Status-Server, 12; 13 is
// reserved there), RFC 5176 §3 (40-45).
export const Code = {
  AccessRequest: 1,
  AccessAccept: 2,
  AccessReject: 3,
  AccountingRequest: 4,
  AccountingResponse: 5,
  AccessChallenge: 11,
  StatusServer: 12,
  StatusClient: 13,
  DisconnectRequest: 40,
  DisconnectAck: 41,
  DisconnectNak: 42,
  CoaRequest: 43,
  CoaAck: 44,
  CoaNak: 45,
} as const

export type CodeNumber = (typeof Code)[keyof typeof Code]

const NAMES: readonly (string | undefined)[] = (() => {
  const names: (string | undefined)[] = new Array(256).fill(undefined)
  const spelled: Record<CodeNumber, string> = {
    1: 'Access-Request',
    2: 'Access-Accept',
    3: 'Access-Reject',
    4: 'Accounting-Request',
    5: 'Accounting-Response',
    11: 'Access-Challenge',
    12: 'Status-Server',
    13: 'Status-Client',
    40: 'Disconnect-Request',
    41: 'Disconnect-ACK',
    42: 'Disconnect-NAK',
    43: 'CoA-Request',
    44: 'CoA-ACK',
    45: 'CoA-NAK',
  }
  for (const [code, name] of Object.entries(spelled)) names[Number(code)] = name
  return names
})()

/** 'Access-Request', 'CoA-ACK', … as FreeRADIUS prints them; 'Unknown-99' otherwise. */
export function codeName(code: number): string {
  return NAMES[code] ?? `Unknown-${code}`
}
