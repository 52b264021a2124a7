// The demo a new installation starts with: one square, one policy, one NAS on
// this machine, one admin. Every secret is random and printed once.
import { randomBytes } from 'node:crypto'
import type { PrismaClient } from '../db/generated/client.js'
import { InputError } from '../errors.js'
import type { SecretBox } from '../secret-box.js'
import { auditEvent } from './audit.js'
import { recordChange } from './changes.js'
import { hashPassword } from './staff.js'
import { currentTerms } from './terms.js'

export const DEMO_SITE = 'Quảng trường Trung tâm (demo)'
export const DEMO_NAS = 'demo-chilli'

export interface DemoCredentials {
  site: string
  nasName: string
  nasAddress: string
  nasSecret: string
  uamSecret: string
  adminUsername: string
  adminPassword: string
}

// Readable, typeable, and long: 24 characters of base64url are 144 bits.
const randomSecret = () => randomBytes(18).toString('base64url')

export async function seedDemo(prisma: PrismaClient, secrets: SecretBox, actor: string): Promise<DemoCredentials> {
  const creds: DemoCredentials = {
    site: DEMO_SITE,
    nasName: DEMO_NAS,
    nasAddress: '127.0.0.1',
    nasSecret: randomSecret(),
    uamSecret: randomSecret(),
    adminUsername: 'admin',
    adminPassword: randomSecret(),
  }
  const passwordHash = await hashPassword(creds.adminPassword)
  await prisma.$transaction(async (tx) => {
    if (await tx.site.findUnique({ where: { name: DEMO_SITE } })) throw new InputError(`the demo is already there (site "${DEMO_SITE}")`)
    if (await tx.accessPoint.findUnique({ where: { address: creds.nasAddress } })) {
      throw new InputError(`the address ${creds.nasAddress} is already registered to another NAS: the demo needs it`)
    }
    if (await tx.adminUser.findUnique({ where: { username: creds.adminUsername } })) {
      throw new InputError(`a staff account "${creds.adminUsername}" already exists: the demo creates its own`)
    }
    await currentTerms(tx)
    const policy = await tx.policy.upsert({
      where: { name: 'Demo: 30 phút, 2 Mbit/s' },
      create: { name: 'Demo: 30 phút, 2 Mbit/s', sessionMinutes: 30, downKbps: 2000, upKbps: 2000, idleMinutes: 10 },
      update: {},
    })
    const site = await tx.site.create({
      data: {
        name: DEMO_SITE,
        address: 'Demo',
        policyId: policy.id,
        allowClickThrough: true,
        allowVoucher: true,
        allowOtp: true,
        links: [
          { key: 'dichvucong', labelVi: 'Cổng Dịch vụ công', labelEn: 'Online public services', url: 'https://dichvucong.gov.vn/' },
        ],
      },
    })
    await tx.accessPoint.create({
      data: {
        siteId: site.id,
        name: creds.nasName,
        address: creds.nasAddress,
        vendor: 'coovachilli',
        secretEnc: secrets.encrypt(creds.nasSecret),
        uamSecretEnc: secrets.encrypt(creds.uamSecret),
      },
    })
    await tx.adminUser.create({ data: { username: creds.adminUsername, role: 'admin', passwordHash } })
    await auditEvent(tx, actor, 'demo.seed', `site:${site.id}`, { site: DEMO_SITE })
    await recordChange(tx, 'all')
  })
  return creds
}

/** `start` seeds only an embedded database that has no site yet. */
export async function needsDemo(prisma: PrismaClient): Promise<boolean> {
  return (await prisma.site.count()) === 0
}
