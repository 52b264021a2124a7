// Conventions of /api/v1: JSON in and out, a schema on every route (the
// OpenAPI document is made from them), errors as {"error": code, "message":
// text}, Bearer tokens, cursor pagination ({items, nextCursor}).
import type { FastifyInstance, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { isApi } from './auth/plugin.js'

/** Every error of the API, whatever the route. */
export const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'unauthorized, forbidden, invalid, not_found, conflict, rate_limited, internal' },
    message: { type: 'string' },
    field: { type: 'string' },
    problems: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as const

export const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } } as const

export const dateTime = { type: 'string', format: 'date-time' } as const
export const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const

/** A page of a list: the items, and the cursor of the next page (null on the last). */
export function pageOf(item: object, cursor: object = { type: ['string', 'null'] }) {
  return { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: item }, nextCursor: cursor } } as const
}

const ERROR_RESPONSES: Record<number, string> = {
  400: 'invalid input',
  401: 'no API token, or an unknown or revoked one',
  403: 'the token’s role may not do this',
  404: 'no such thing',
  409: 'refused because of the state of something else',
}

/** Adds the error responses, the security requirement and a tag to every /api/v1 route's schema. */
export const apiConventions = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRoute', (route: RouteOptions) => {
      if (!isApi(route.url) || route.url.startsWith('/api/v1/docs') || route.config?.access === 'public') return
      const schema = (route.schema ??= {}) as Record<string, unknown>
      const response = (schema.response ??= {}) as Record<string, unknown>
      for (const [code, description] of Object.entries(ERROR_RESPONSES)) response[code] ??= { description, ...errorSchema }
      schema.security ??= [{ bearer: [] }]
      schema.tags ??= [route.url.split('/')[3] ?? 'api']
    })
  },
  { name: 'citywifi-admin-api' },
)
