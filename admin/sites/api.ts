// /api/v1/sites: the same services as the pages.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../core/context.js'
import type { Policy, Site } from '../../core/db/generated/client.js'
import { addSite, archiveSite, getSite, listSites, updateSite, type SiteInput } from '../../core/services/sites.js'
import { dateTime, idParams, nullableDateTime } from '../api.js'

const link = {
  type: 'object',
  required: ['labelVi', 'url'],
  properties: { key: { type: 'string' }, labelVi: { type: 'string' }, labelEn: { type: 'string' }, url: { type: 'string' } },
} as const

export const siteInputSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    address: { type: ['string', 'null'] },
    ssid: { type: ['string', 'null'], description: 'WiFi network name, for the QR code on printed vouchers' },
    latitude: { type: ['number', 'null'] },
    longitude: { type: ['number', 'null'] },
    policyId: { type: ['integer', 'null'] },
    allowClickThrough: { type: 'boolean' },
    allowVoucher: { type: 'boolean' },
    allowOtp: { type: 'boolean' },
    otpRequired: { type: 'boolean', description: 'Directive 66 mode: every user verifies a phone number' },
    links: { type: 'array', items: link, maxItems: 8 },
    landingUrl: { type: ['string', 'null'] },
  },
} as const

export const siteSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    address: { type: ['string', 'null'] },
    ssid: { type: ['string', 'null'] },
    latitude: { type: ['number', 'null'] },
    longitude: { type: ['number', 'null'] },
    policy: { type: ['object', 'null'], properties: { id: { type: 'integer' }, name: { type: 'string' } } },
    allowClickThrough: { type: 'boolean' },
    allowVoucher: { type: 'boolean' },
    allowOtp: { type: 'boolean' },
    otpRequired: { type: 'boolean' },
    links: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' }, labelVi: { type: 'string' }, labelEn: { type: 'string' }, url: { type: 'string' } } } },
    landingUrl: { type: ['string', 'null'] },
    hasLogo: { type: 'boolean' },
    archivedAt: nullableDateTime,
    createdAt: dateTime,
    updatedAt: dateTime,
    nasCount: { type: 'integer' },
    onlineNow: { type: 'integer' },
  },
} as const

export function siteView(s: Site & { policy?: Policy | null; nasCount?: number; onlineNow?: number }) {
  return {
    ...s,
    policy: s.policy ? { id: s.policy.id, name: s.policy.name } : null,
    links: Array.isArray(s.links) ? s.links : [],
    hasLogo: s.logoPath !== null,
  }
}

export async function sitesApi(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const prisma = ctx.db.prisma
  app.get(
    '/api/v1/sites',
    {
      config: { access: 'sites.read' },
      schema: {
        summary: 'List sites',
        querystring: { type: 'object', properties: { archived: { type: 'boolean', default: false } } },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: siteSchema } } } },
      },
    },
    async (req) => ({ items: (await listSites(prisma, { archived: (req.query as { archived: boolean }).archived })).map(siteView) }),
  )
  app.post(
    '/api/v1/sites',
    { config: { access: 'sites' }, schema: { summary: 'Create a site', body: { ...siteInputSchema, required: ['name'] }, response: { 201: siteSchema } } },
    async (req, reply) => reply.code(201).send(siteView(await addSite(prisma, req.body as SiteInput & { name: string }, req.actor))),
  )
  app.get(
    '/api/v1/sites/:id',
    { config: { access: 'sites.read' }, schema: { summary: 'One site', params: idParams, response: { 200: siteSchema } } },
    async (req) => siteView(await getSite(prisma, (req.params as { id: number }).id)),
  )
  app.patch(
    '/api/v1/sites/:id',
    { config: { access: 'sites' }, schema: { summary: 'Change a site (only the fields given)', params: idParams, body: siteInputSchema, response: { 200: siteSchema } } },
    async (req) => {
      const id = (req.params as { id: number }).id
      await updateSite(prisma, id, req.body as SiteInput, req.actor)
      return siteView(await getSite(prisma, id))
    },
  )
  app.delete(
    '/api/v1/sites/:id',
    {
      config: { access: 'sites' },
      schema: { summary: 'Archive a site (kept with its sessions and statistics; its access points must be disabled or removed first)', params: idParams, response: { 200: siteSchema } },
    },
    async (req) => siteView(await archiveSite(prisma, (req.params as { id: number }).id, req.actor)),
  )
}
