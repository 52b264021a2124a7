// /api/v1/nas: `nas add`'s fields with its names (site by name, name, ip,
// secret, vendor, uamSecret, coaPort, language, allowMissingMessageAuthenticator,
// loginHosts, allowInsecureFas).
// A NAS is never shown with its secrets.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../core/context.js'
import { addNas, getNas, listNas, NAS_VENDORS, removeNas, rotateNasSecret, setNasDisabled, updateNas, isUp, type NasInput, type NasWithSite } from '../../core/services/nas.js'
import { dateTime, idParams, nullableDateTime } from '../api.js'

export const nasInputSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    site: { type: 'string', description: 'the site, by name (as `nas add --site`)' },
    siteId: { type: 'integer', description: 'or the site by id' },
    name: { type: 'string', description: 'the NAS-Identifier it sends' },
    ip: { type: 'string', description: 'the address its packets come from, or a network (10.0.0.0/24)' },
    secret: { type: 'string', minLength: 1, description: 'RADIUS shared secret, at least 16 characters' },
    vendor: { type: 'string', enum: [...NAS_VENDORS] },
    uamSecret: { type: ['string', 'null'], description: "CoovaChilli's UAM secret or openNDS's FAS key" },
    coaPort: { type: 'integer' },
    language: { type: 'string', enum: ['vi', 'en'] },
    allowMissingMessageAuthenticator: { type: 'boolean', description: 'INSECURE (BlastRADIUS): legacy devices only' },
    loginHosts: { type: 'array', items: { type: 'string', maxLength: 300 }, description: 'hosts (host or host:port, at most 16) the portal may send a browser to when the redirect is not signed (`nas add --login-host`)' },
    allowInsecureFas: { type: 'boolean', description: 'INSECURE: accept openNDS fas_secure_enabled 1 (`nas add --allow-insecure-fas`)' },
  },
} as const

export const nasSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    ip: { type: 'string' },
    vendor: { type: 'string' },
    site: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } },
    coaPort: { type: 'integer' },
    language: { type: 'string' },
    allowMissingMessageAuthenticator: { type: 'boolean' },
    loginHosts: { type: 'array', items: { type: 'string' } },
    allowInsecureFas: { type: 'boolean' },
    hasUamSecret: { type: 'boolean' },
    lastSeenAt: nullableDateTime,
    up: { type: 'boolean' },
    disabled: { type: 'boolean' },
    disabledAt: nullableDateTime,
    sessionsNow: { type: 'integer' },
    createdAt: dateTime,
    updatedAt: dateTime,
  },
} as const

export function nasView(n: NasWithSite & { sessionsNow?: number }) {
  return {
    id: n.id,
    name: n.name,
    ip: n.address,
    vendor: n.vendor,
    site: { id: n.site.id, name: n.site.name },
    coaPort: n.coaPort,
    language: n.language,
    allowMissingMessageAuthenticator: n.allowMissingMessageAuthenticator,
    loginHosts: n.loginHosts,
    allowInsecureFas: n.allowInsecureFas,
    hasUamSecret: n.uamSecretEnc !== null,
    lastSeenAt: n.lastSeenAt,
    up: isUp(n),
    disabled: n.disabledAt !== null,
    disabledAt: n.disabledAt,
    sessionsNow: n.sessionsNow,
    createdAt: n.createdAt,
    updatedAt: n.updatedAt,
  }
}

type Body = Omit<NasInput, 'address'> & { ip?: string; disabled?: boolean }
const toInput = ({ ip, disabled: _d, ...rest }: Body): NasInput => ({ ...rest, ...(ip !== undefined ? { address: ip } : {}) })

export async function nasApi(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const prisma = ctx.db.prisma
  app.get(
    '/api/v1/nas',
    {
      config: { access: 'nas' },
      schema: {
        summary: 'List access points (NAS)',
        querystring: { type: 'object', properties: { site: { type: 'integer', description: 'site id' } } },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: nasSchema } } } },
      },
    },
    async (req) => ({ items: (await listNas(prisma, { siteId: (req.query as { site?: number }).site })).map(nasView) }),
  )
  app.post(
    '/api/v1/nas',
    {
      config: { access: 'nas' },
      schema: {
        summary: 'Register an access point (the fields of `nas add`)',
        body: { ...nasInputSchema, required: ['name', 'ip', 'secret'] },
        response: { 201: nasSchema },
      },
    },
    async (req, reply) => {
      const body = req.body as Body
      const nas = await addNas(prisma, ctx.secrets, { ...(toInput(body) as NasInput & { name: string; address: string; secret: string }), site: body.site ?? '' , ...(body.siteId !== undefined ? { siteId: body.siteId } : {}) }, req.actor)
      return reply.code(201).send(nasView({ ...(await getNas(prisma, nas.id)), sessionsNow: 0 }))
    },
  )
  app.get('/api/v1/nas/:id', { config: { access: 'nas' }, schema: { summary: 'One access point', params: idParams, response: { 200: nasSchema } } }, async (req) => {
    const id = (req.params as { id: number }).id
    return nasView({ ...(await getNas(prisma, id)), sessionsNow: await prisma.session.count({ where: { nasId: id, stoppedAt: null } }) })
  })
  app.patch(
    '/api/v1/nas/:id',
    {
      config: { access: 'nas' },
      schema: {
        summary: 'Change an access point (only the fields given); disabled: true stops RADIUS answering it at once',
        params: idParams,
        body: { ...nasInputSchema, properties: { ...nasInputSchema.properties, disabled: { type: 'boolean' } } },
        response: { 200: nasSchema },
      },
    },
    async (req) => {
      const id = (req.params as { id: number }).id
      const body = req.body as Body
      const input = toInput(body)
      if (Object.keys(input).length) await updateNas(prisma, ctx.secrets, id, input, req.actor)
      if (body.disabled !== undefined) await setNasDisabled(prisma, id, body.disabled, req.actor)
      return nasView({ ...(await getNas(prisma, id)), sessionsNow: await prisma.session.count({ where: { nasId: id, stoppedAt: null } }) })
    },
  )
  app.delete(
    '/api/v1/nas/:id',
    {
      config: { access: 'nas' },
      schema: { summary: 'Remove an access point that never had a session (one with sessions: 409, disable it instead)', params: idParams, response: { 204: { type: 'null' } } },
    },
    async (req, reply) => {
      await removeNas(prisma, (req.params as { id: number }).id, req.actor)
      return reply.code(204).send()
    },
  )
  app.post(
    '/api/v1/nas/:id/rotate-secret',
    {
      config: { access: 'nas' },
      schema: {
        summary: 'A new random RADIUS secret (or UAM secret / FAS key), returned once',
        params: idParams,
        body: { type: ['object', 'null'], properties: { which: { type: 'string', enum: ['secret', 'uamSecret'], default: 'secret' } } },
        response: { 200: { type: 'object', required: ['secret'], properties: { which: { type: 'string' }, secret: { type: 'string' }, nas: nasSchema } } },
      },
    },
    async (req, reply) => {
      const id = (req.params as { id: number }).id
      const which = (req.body as { which?: 'secret' | 'uamSecret' } | null)?.which ?? 'secret'
      const { secret } = await rotateNasSecret(prisma, ctx.secrets, id, which, req.actor)
      reply.header('cache-control', 'no-store')
      return { which, secret, nas: nasView(await getNas(prisma, id)) }
    },
  )
}
