import type { Policy } from '../db/generated/client.js'

/** A site's policy in the units the RADIUS reply uses; null means "no limit". */
export interface EffectivePolicy {
  sessionSeconds: number
  idleSeconds: number
  interimSeconds: number
  downKbps: number | null
  upKbps: number | null
  sessionBytes: bigint | null
  dailySeconds: number | null
  dailyBytes: bigint | null
  monthlySeconds: number | null
  monthlyBytes: bigint | null
  simultaneousUse: number
  consentDays: number
}

const MB = 1_000_000n

/** For a site without a policy: an hour at a time, no quotas, one device per login. */
export const DEFAULT_POLICY: EffectivePolicy = {
  sessionSeconds: 3600,
  idleSeconds: 600,
  interimSeconds: 300,
  downKbps: null,
  upKbps: null,
  sessionBytes: null,
  dailySeconds: null,
  dailyBytes: null,
  monthlySeconds: null,
  monthlyBytes: null,
  simultaneousUse: 1,
  consentDays: 30,
}

const mb = (v: number | null) => (v === null ? null : BigInt(v) * MB)
const min = (v: number | null) => (v === null ? null : v * 60)

export function effectivePolicy(p: Policy | null | undefined): EffectivePolicy {
  if (!p) return DEFAULT_POLICY
  return {
    sessionSeconds: p.sessionMinutes * 60,
    idleSeconds: p.idleMinutes * 60,
    interimSeconds: p.interimSeconds,
    downKbps: p.downKbps,
    upKbps: p.upKbps,
    sessionBytes: mb(p.sessionMegabytes),
    dailySeconds: min(p.dailyMinutes),
    dailyBytes: mb(p.dailyMegabytes),
    monthlySeconds: min(p.monthlyMinutes),
    monthlyBytes: mb(p.monthlyMegabytes),
    simultaneousUse: p.simultaneousUse,
    consentDays: p.consentDays,
  }
}
