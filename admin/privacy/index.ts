// A person's data (admins only): find what citywifi holds about a device or a
// phone number, download it as JSON, or erase it after typing the MAC or the
// number again. The work and the audit are core/services/person-data.ts,
// shared with `citywifi person export|erase`.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../core/context.js'
import { InputError } from '../../core/errors.js'
import { erasePerson, exportPerson, type PersonKey } from '../../core/services/person-data.js'
import { RETENTION_KINDS, RETENTION_SETTING } from '../../core/services/retention.js'
import { formBodySchema, str } from '../forms.js'
import type { AdminTranslator } from '../render.js'
import type { Block, Field, FormModel } from '../ui.js'

const personQuery = {
  type: 'object',
  properties: { mac: { type: 'string', maxLength: 64 }, phone: { type: 'string', maxLength: 64 } },
  additionalProperties: false,
} as const

function keyOf(q: { mac?: string; phone?: string }): PersonKey {
  const mac = q.mac?.trim()
  const phone = q.phone?.trim()
  if (mac) return { mac }
  if (phone) return { phone }
  throw new InputError('give a MAC address or a phone number', 'mac', 'privacy.what')
}

const asQuery = (key: PersonKey) => new URLSearchParams(key.mac !== undefined ? { mac: key.mac } : { phone: key.phone }).toString()

export async function privacyArea(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const { prisma } = ctx.db

  const findForm = (tr: AdminTranslator, q: { mac?: string; phone?: string }): FormModel => ({
    action: '/privacy/person',
    method: 'get',
    inline: true,
    test: 'privacy-find',
    submit: tr.t('common.search'),
    fields: [
      { name: 'mac', label: tr.t('session.mac'), type: 'text', value: q.mac ?? '', hint: tr.t('session.macHint') },
      { name: 'phone', label: tr.t('session.phone'), type: 'text', value: q.phone ?? '', hint: tr.t('privacy.phoneHint') },
    ],
  })

  app.get('/privacy', { config: { access: 'personal-data' } }, async (req, reply) => {
    const tr = req.tr
    const r = ctx.config.retention
    return reply.page(tr.t('privacy.title'), [
      { kind: 'text', text: tr.t('privacy.intro'), tone: 'muted' },
      { kind: 'form', form: findForm(tr, {}) },
      { kind: 'heading', text: tr.t('privacy.retentionTitle'), level: 2 },
      {
        kind: 'table',
        test: 'retention',
        columns: [tr.t('privacy.kind'), tr.t('privacy.setting'), tr.t('privacy.days')],
        rows: RETENTION_KINDS.map((k) => [tr.t(`privacy.kind.${k}`), { text: RETENTION_SETTING[k], mono: true }, r[k]]),
        empty: '',
      },
      { kind: 'text', text: tr.t('privacy.retentionNote'), tone: 'muted' },
    ])
  })

  // What is held, in numbers, with the two things an admin can do about it.
  app.get('/privacy/person', { config: { access: 'personal-data' }, schema: { querystring: personQuery } }, async (req, reply) => {
    const tr = req.tr
    const q = req.query as { mac?: string; phone?: string }
    const key = keyOf(q)
    const data = await exportPerson(prisma, ctx.secrets, key, req.actor)
    const counts: [string, number][] = [
      [tr.t('privacy.devices'), data.devices.length],
      [tr.t('privacy.consents'), data.consents.length],
      [tr.t('privacy.sessions'), data.sessions.length],
      [tr.t('privacy.otp'), data.otpChallenges.length],
      [tr.t('privacy.credentials'), data.loginCredentials.length],
      [tr.t('privacy.vouchers'), data.vouchers.length],
      [tr.t('privacy.daily'), data.dailyUsage.length],
    ]
    const blocks: Block[] = [
      { kind: 'form', form: findForm(tr, q) },
      { kind: 'dl', test: 'person-counts', items: counts.map(([term, n]) => ({ term, detail: String(n) })) },
      { kind: 'text', text: data.devices.length ? data.devices.map((d) => d.mac).join(', ') : tr.t('privacy.noDevice'), test: 'person-devices' },
      { kind: 'actions', links: [{ href: `/privacy/export?${asQuery(key)}`, label: tr.t('privacy.download'), test: 'person-download', button: true }, { href: `/privacy/erase?${asQuery(key)}`, label: tr.t('privacy.erase'), test: 'person-erase' }] },
    ]
    return reply.page(tr.t('privacy.personTitle'), blocks)
  })

  app.get('/privacy/export', { config: { access: 'personal-data' }, schema: { querystring: personQuery } }, async (req, reply) => {
    const data = await exportPerson(prisma, ctx.secrets, keyOf(req.query as { mac?: string; phone?: string }), req.actor)
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="citywifi-person-${data.exportedAt.slice(0, 10)}.json"`)
      .header('cache-control', 'no-store')
      .send(JSON.stringify(data, null, 2))
  })

  const eraseForm = (tr: AdminTranslator, key: PersonKey, error?: string): FormModel => {
    const asked = key.mac ?? key.phone ?? ''
    const fields: Field[] = [
      { name: key.mac !== undefined ? 'mac' : 'phone', label: '', type: 'hidden', value: asked },
      { name: 'confirm', label: tr.t('privacy.confirm', { what: asked }), type: 'text', value: '', required: true, error, test: 'erase-confirm', autocomplete: 'off' },
    ]
    return { action: '/privacy/erase', method: 'post', test: 'erase-form', submit: tr.t('privacy.eraseSubmit'), fields, cancel: { href: `/privacy/person?${asQuery(key)}`, label: tr.t('common.cancel') } }
  }

  app.get('/privacy/erase', { config: { access: 'personal-data' }, schema: { querystring: personQuery } }, async (req, reply) => {
    const tr = req.tr
    const key = keyOf(req.query as { mac?: string; phone?: string })
    return reply.page(tr.t('privacy.eraseTitle'), [{ kind: 'notice', tone: 'warn', text: tr.t('privacy.eraseWarning') }, { kind: 'form', form: eraseForm(tr, key) }])
  })

  app.post('/privacy/erase', { config: { access: 'personal-data' }, schema: { body: formBodySchema } }, async (req, reply) => {
    const tr = req.tr
    const body = req.body as Record<string, string | string[]>
    const key = keyOf({ mac: str(body, 'mac'), phone: str(body, 'phone') })
    const asked = key.mac ?? key.phone ?? ''
    // Typing it again is the confirmation: a stray click or a forged form erases nobody.
    if ((str(body, 'confirm') ?? '').trim() !== asked.trim()) {
      return reply.page(tr.t('privacy.eraseTitle'), [{ kind: 'notice', tone: 'warn', text: tr.t('privacy.eraseWarning') }, { kind: 'form', form: eraseForm(tr, key, tr.t('privacy.confirmMismatch')) }], { status: 400 })
    }
    const r = await erasePerson(prisma, ctx.secrets, key, req.actor)
    return reply.page(tr.t('privacy.erasedTitle'), [
      { kind: 'notice', tone: 'ok', test: 'erased', text: tr.t('privacy.erased', { person: r.person, devices: r.devices, consents: r.consents, otp: r.otpChallenges, sessions: r.sessionsAnonymised }) },
      { kind: 'actions', links: [{ href: '/privacy', label: tr.t('privacy.title') }] },
    ])
  })
}
