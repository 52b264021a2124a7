// Reading posted forms (every value a string, a checkbox "on"/"off") and
// showing a service's InputError next to the fields, in the person's language.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { InputError } from '../core/errors.js'
import { markErrors, type Block, type FormModel } from './ui.js'

export type Body = Record<string, string | string[] | undefined>

/** Page forms are posted url-encoded: an object of strings (the services check the values). */
export const formBodySchema = { type: 'object', additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } } as const

const last = (v: string | string[] | undefined) => (Array.isArray(v) ? v.at(-1) : v)

export const str = (b: Body, k: string): string | undefined => last(b[k])

/** Empty or absent: null (no value, "no limit"). */
export const strOrNull = (b: Body, k: string): string | null => {
  const v = last(b[k])?.trim()
  return v ? v : null
}

/** A checkbox: the hidden "off" and the box's "on" both arrive when it is ticked. */
export const checked = (b: Body, k: string): boolean => {
  const v = b[k]
  return Array.isArray(v) ? v.includes('on') : v === 'on'
}

/** A number as typed ("1,5" or "1.5"); empty: null; not a number: NaN, which the service refuses with its field. */
export const num = (b: Body, k: string): number | null => {
  const v = last(b[k])?.trim()
  if (!v) return null
  return Number(v.replace(',', '.'))
}

/** A whole number scaled from the unit shown (Mbit/s to kbit/s, GB to MB); empty stays null. */
export const scaled = (b: Body, k: string, factor: number): number | null => {
  const v = num(b, k)
  return v === null ? null : Number.isFinite(v) ? Math.round(v * factor) : NaN
}

/** The query string's value of a list filter: a whole number, or undefined. */
export const intParam = (v: unknown): number | undefined => (typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : undefined)

/**
 * Runs a change from a form. On an InputError the form is shown again with
 * each problem next to its field (problems of no field above the form), with
 * status 400 (409 for a conflict), and undefined is returned.
 */
export async function fromForm<T>(
  req: FastifyRequest,
  reply: FastifyReply,
  page: { title: string; form: FormModel; before?: Block[]; after?: Block[] },
  run: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false }> {
  try {
    return { ok: true, value: await run() }
  } catch (err) {
    if (!(err instanceof InputError)) throw err
    const loose = markErrors(page.form, err.problems, (p) => req.tr.problem(p))
    const notices: Block[] = [{ kind: 'notice', tone: 'error', text: req.tr.t('form.fix'), test: 'form-error' }, ...loose.map((text) => ({ kind: 'notice' as const, tone: 'error' as const, text }))]
    await reply.page(page.title, [...(page.before ?? []), ...notices, { kind: 'form', form: page.form }, ...(page.after ?? [])], { status: err.name === 'ConflictError' ? 409 : 400 })
    return { ok: false }
  }
}
