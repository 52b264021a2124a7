import type { LoginMethod } from '../db/generated/client.js'
import type { EffectivePolicy } from './policy.js'

/** Why a login was refused: recorded per site and hour for statistics, and worded for the person. */
export type RejectReason =
  | 'unknown_user'
  | 'wrong_password'
  | 'expired'
  | 'revoked'
  | 'wrong_device'
  | 'device_limit'
  | 'simultaneous_use'
  | 'quota_used'
  | 'no_consent'

/**
 * Proof that the person knows a password, without core knowing RADIUS: the
 * RADIUS layer builds it from PAP (the clear password) or CHAP (a response to
 * a challenge), and it answers whether a candidate password is the one.
 */
export interface PasswordProof {
  matches(candidate: string): boolean
}

/** The NAS a request came from, as RADIUS knows it. */
export interface NasInfo {
  id: number
  siteId: number
  vendor: string
}

export interface AuthRequest {
  username: string
  proof: PasswordProof
  /** Calling-Station-Id in canonical form, when the NAS sent a usable one. */
  mac: string | undefined
  nas: NasInfo
  now: Date
}

/** What the Access-Accept grants, in vendor-neutral units; radius/ turns it into attributes. */
export interface Grant {
  sessionTimeout: number
  idleTimeout: number
  interimInterval: number
  downKbps: number | null
  upKbps: number | null
  /** Data for this session in octets (up + down), null = no limit. */
  totalOctets: bigint | null
}

export type Decision =
  | {
      accept: true
      grant: Grant
      method: LoginMethod
      siteId: number
      deviceId: number | null
      voucherId: number | null
      credentialId: number | null
    }
  | { accept: false; reason: RejectReason; siteId: number }

export interface Usage {
  daySeconds: number
  dayOctets: bigint
  monthSeconds: number
  monthOctets: bigint
}

export const NO_USAGE: Usage = { daySeconds: 0, dayOctets: 0n, monthSeconds: 0, monthOctets: 0n }

export type { EffectivePolicy }
