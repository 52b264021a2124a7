import type { AccessPoint, NasVendor, PrismaClient } from '../db/generated/client.js'
import { InputError, isUniqueViolation } from '../errors.js'
import { AddressError, parseNasAddress } from '../net.js'
import type { SecretBox } from '../secret-box.js'
import { auditEvent } from './audit.js'
import { recordChange } from './changes.js'
import { siteByName } from './sites.js'

export const NAS_VENDORS = ['coovachilli', 'mikrotik', 'opennds', 'generic'] as const satisfies readonly NasVendor[]

export const MIN_SECRET_LENGTH = 16

export interface NewNas {
  site: string
  name: string
  address: string
  secret: string
  vendor?: string
  uamSecret?: string
  coaPort?: number
  /** BlastRADIUS: accept Access-Request without Message-Authenticator (legacy devices only). */
  allowMissingMessageAuthenticator?: boolean
  /** Language of Reply-Message texts: "vi" (default) or "en" (English, then Vietnamese). */
  language?: string
}

function validSecret(secret: string, option: string): string {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new InputError(`${option} is ${secret.length} characters: a shared secret needs at least ${MIN_SECRET_LENGTH}`, option)
  }
  if (secret.length > 128) throw new InputError(`${option} is longer than 128 characters`, option)
  if (!/^[\x21-\x7e]+$/.test(secret)) throw new InputError(`${option} must be printable ASCII without spaces (NAS consoles mangle the rest)`, option)
  return secret
}

export async function addNas(prisma: PrismaClient, secrets: SecretBox, input: NewNas, actor: string): Promise<AccessPoint> {
  const name = input.name.trim()
  if (!/^[\x21-\x7e]{1,64}$/.test(name)) {
    throw new InputError(`"${input.name}" is not a usable NAS-Identifier: 1 to 64 printable characters without spaces`, 'name')
  }
  const vendor = (input.vendor ?? 'generic') as NasVendor
  if (!NAS_VENDORS.includes(vendor)) throw new InputError(`unknown vendor "${input.vendor}": one of ${NAS_VENDORS.join(', ')}`, 'vendor')
  let address: string
  try {
    address = parseNasAddress(input.address).text
  } catch (err) {
    if (err instanceof AddressError) throw new InputError(err.message, 'ip')
    throw err
  }
  const secret = validSecret(input.secret, 'secret')
  // CoovaChilli's UAM secret may be short (it is a chilli.conf setting, often set by hand).
  const uamSecret = input.uamSecret
  if (uamSecret !== undefined && !/^[\x21-\x7e]{1,128}$/.test(uamSecret)) {
    throw new InputError('the UAM secret must be 1 to 128 printable characters without spaces', 'uam-secret')
  }
  const coaPort = input.coaPort ?? 3799
  if (!Number.isInteger(coaPort) || coaPort < 1 || coaPort > 65535) throw new InputError('the CoA port must be from 1 to 65535', 'coa-port')

  const language = input.language ?? 'vi'
  if (language !== 'vi' && language !== 'en') throw new InputError(`unknown language "${language}": vi or en`, 'language')

  const site = await siteByName(prisma, input.site)
  const taken = await prisma.accessPoint.findFirst({ where: { OR: [{ address }, { name }] }, select: { name: true, address: true } })
  if (taken?.address === address) throw new InputError(`the address ${address} is already registered (NAS "${taken.name}")`, 'ip')
  if (taken) throw new InputError(`a NAS named "${name}" is already registered (at ${taken.address})`, 'name')
  try {
    return await prisma.$transaction(async (tx) => {
      const nas = await tx.accessPoint.create({
        data: {
          siteId: site.id,
          name,
          address,
          vendor,
          coaPort,
          language,
          allowMissingMessageAuthenticator: input.allowMissingMessageAuthenticator ?? false,
          secretEnc: secrets.encrypt(secret),
          uamSecretEnc: uamSecret ? secrets.encrypt(uamSecret) : null,
        },
      })
      await auditEvent(tx, actor, 'nas.create', `nas:${nas.id}`, {
        name,
        address,
        vendor,
        site: site.name,
        allowMissingMessageAuthenticator: nas.allowMissingMessageAuthenticator,
      })
      await recordChange(tx, 'nas', nas.id)
      return nas
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw new InputError(`the address ${address} or the name "${name}" is already registered`, 'ip')
    throw err
  }
}
