// PAP and CHAP as core's PasswordProof: core decides which passwords are
// acceptable, RADIUS knows how the person proved theirs.
import { timingSafeEqual } from 'node:crypto'
import type { PasswordProof } from '../core/auth/types.js'
import { verifyChap } from './codec/index.js'

export function papProof(password: Buffer): PasswordProof {
  return {
    matches(candidate: string) {
      const c = Buffer.from(candidate, 'utf8')
      // Compare equal-length buffers so that the time does not depend on the content.
      const same = c.length === password.length
      return timingSafeEqual(same ? c : password, password) && same
    },
  }
}

export function chapProof(chapPassword: Buffer, challenge: Buffer): PasswordProof {
  return { matches: (candidate: string) => verifyChap(chapPassword, candidate, challenge) }
}
