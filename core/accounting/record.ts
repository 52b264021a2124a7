import type { LoginMethod } from '../db/generated/client.js'

export type AcctStatus = 'start' | 'interim' | 'stop'

/** One Accounting-Request as stored, in the NAS's terms (input = from the device, output = to it). */
export interface AccountingRecord {
  nasId: number
  siteId: number
  acctSessionId: string
  status: AcctStatus
  username: string
  /** Calling-Station-Id, canonical. */
  mac: string | null
  framedIp: string | null
  calledStation: string | null
  nasPort: string | null
  /** The source address of the NAS's packets. */
  nasIp: string | null
  /** When it happened: arrival minus Acct-Delay-Time. */
  eventTime: Date
  sessionSeconds: number
  inputOctets: bigint
  outputOctets: bigint
  terminateCause: string | null
  interimSeconds: number
  /** False when citywifi did not see this session accepted (after a restart, or a NAS that decided alone). */
  authorized: boolean
  method: LoginMethod | null
  voucherId: number | null
}
