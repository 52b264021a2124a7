// Every route × every role, over HTTP. The table below is the promise (it is
// also the table in docs/admin.md): the app must have exactly these routes
// with exactly this access, and each role must get through, or get 401/403,
// as ACCESS says — for pages (session cookie) and for /api/v1 (Bearer token).
import t from 'tap'
import type { Role } from '../../core/db/generated/client.js'
import { dbKinds } from '../helpers/databases.js'
import { adminFixture, ROLES } from './setup.js'

const A: Role[] = ['admin']
const AO: Role[] = ['admin', 'operator']
const AOV: Role[] = ['admin', 'operator', 'viewer']

/** Who may, per access name: a copy of admin/roles.ts written out, so that a change there must be made here too. */
const WHO: Record<string, Role[]> = {
  dashboard: AOV,
  stats: AOV,
  account: AOV,
  'sites.read': AOV,
  sites: AO,
  nas: AO,
  policies: AO,
  vouchers: AO,
  sessions: AO,
  'sessions.person': A,
  terms: AO,
  staff: A,
  tokens: A,
  audit: A,
  'personal-data': A,
  public: [],
}

// method, path, access
const ROUTES: [string, string, string][] = [
  ['GET', '/healthz', 'public'],
  ['GET', '/readyz', 'public'],
  ['GET', '/metrics', 'public'],
  ['GET', '/api/v1/openapi.json', 'public'],
  ['GET', '/login', 'public'],
  ['POST', '/login', 'public'],
  ['GET', '/lang/:lang', 'public'],
  ['POST', '/logout', 'account'],
  ['GET', '/account', 'account'],
  ['POST', '/account/password', 'account'],
  ['GET', '/', 'dashboard'],
  ['GET', '/sites', 'sites'],
  ['GET', '/sites/new', 'sites'],
  ['POST', '/sites', 'sites'],
  ['GET', '/sites/:id', 'sites'],
  ['POST', '/sites/:id', 'sites'],
  ['POST', '/sites/:id/logo', 'sites'],
  ['POST', '/sites/:id/logo/remove', 'sites'],
  ['POST', '/sites/:id/archive', 'sites'],
  ['POST', '/sites/:id/restore', 'sites'],
  ['GET', '/api/v1/sites', 'sites.read'],
  ['GET', '/api/v1/stats/usage', 'stats'],
  ['GET', '/stats', 'stats'],
  ['GET', '/stats/report', 'stats'],
  ['GET', '/stats/report.csv', 'stats'],
  ['GET', '/stats/report.pdf', 'stats'],
  ['GET', '/api/v1/stats/report.pdf', 'stats'],
  ['POST', '/api/v1/sites', 'sites'],
  ['GET', '/api/v1/sites/:id', 'sites.read'],
  ['PATCH', '/api/v1/sites/:id', 'sites'],
  ['DELETE', '/api/v1/sites/:id', 'sites'],
  ['GET', '/nas', 'nas'],
  ['GET', '/nas/new', 'nas'],
  ['POST', '/nas', 'nas'],
  ['GET', '/nas/:id', 'nas'],
  ['POST', '/nas/:id', 'nas'],
  ['POST', '/nas/:id/rotate-secret', 'nas'],
  ['POST', '/nas/:id/rotate-uam-secret', 'nas'],
  ['POST', '/nas/:id/disable', 'nas'],
  ['POST', '/nas/:id/enable', 'nas'],
  ['POST', '/nas/:id/remove', 'nas'],
  ['GET', '/api/v1/nas', 'nas'],
  ['POST', '/api/v1/nas', 'nas'],
  ['GET', '/api/v1/nas/:id', 'nas'],
  ['PATCH', '/api/v1/nas/:id', 'nas'],
  ['DELETE', '/api/v1/nas/:id', 'nas'],
  ['POST', '/api/v1/nas/:id/rotate-secret', 'nas'],
  ['GET', '/policies', 'policies'],
  ['GET', '/policies/new', 'policies'],
  ['POST', '/policies', 'policies'],
  ['GET', '/policies/:id', 'policies'],
  ['POST', '/policies/:id', 'policies'],
  ['POST', '/policies/:id/delete', 'policies'],
  ['GET', '/api/v1/policies', 'policies'],
  ['POST', '/api/v1/policies', 'policies'],
  ['GET', '/api/v1/policies/:id', 'policies'],
  ['PATCH', '/api/v1/policies/:id', 'policies'],
  ['DELETE', '/api/v1/policies/:id', 'policies'],
  ['GET', '/vouchers', 'vouchers'],
  ['GET', '/vouchers/new', 'vouchers'],
  ['POST', '/vouchers', 'vouchers'],
  ['GET', '/vouchers/jobs/:id', 'vouchers'],
  ['GET', '/vouchers/batches/:id', 'vouchers'],
  ['GET', '/vouchers/batches/:id/print', 'vouchers'],
  ['GET', '/vouchers.csv', 'vouchers'],
  ['POST', '/vouchers/:code/revoke', 'vouchers'],
  ['POST', '/vouchers/batches/:id/revoke', 'vouchers'],
  ['GET', '/api/v1/vouchers', 'vouchers'],
  ['POST', '/api/v1/vouchers', 'vouchers'],
  ['POST', '/api/v1/vouchers/:code/revoke', 'vouchers'],
  ['POST', '/api/v1/vouchers/batches/:id/revoke', 'vouchers'],
  ['GET', '/sessions', 'sessions'],
  ['GET', '/sessions/history', 'sessions'],
  ['GET', '/sessions/person', 'sessions.person'],
  ['POST', '/sessions/:id/disconnect', 'sessions'],
  ['GET', '/api/v1/sessions', 'sessions'],
  ['GET', '/api/v1/sessions/lookup', 'sessions.person'],
  ['POST', '/api/v1/sessions/:id/disconnect', 'sessions'],
  ['GET', '/terms', 'terms'],
  ['GET', '/terms/new', 'terms'],
  ['POST', '/terms', 'terms'],
  ['GET', '/terms/:id', 'terms'],
  ['POST', '/terms/:id', 'terms'],
  ['POST', '/terms/:id/delete', 'terms'],
  ['GET', '/api/v1/terms', 'terms'],
  ['POST', '/api/v1/terms', 'terms'],
  ['GET', '/api/v1/terms/:id', 'terms'],
  ['PATCH', '/api/v1/terms/:id', 'terms'],
  ['DELETE', '/api/v1/terms/:id', 'terms'],
  ['GET', '/staff', 'staff'],
  ['GET', '/staff/new', 'staff'],
  ['POST', '/staff', 'staff'],
  ['GET', '/staff/:id', 'staff'],
  ['POST', '/staff/:id', 'staff'],
  ['POST', '/staff/:id/reset-password', 'staff'],
  ['GET', '/api/v1/staff', 'staff'],
  ['POST', '/api/v1/staff', 'staff'],
  ['GET', '/api/v1/staff/:id', 'staff'],
  ['PATCH', '/api/v1/staff/:id', 'staff'],
  ['POST', '/api/v1/staff/:id/reset-password', 'staff'],
  ['GET', '/tokens', 'tokens'],
  ['POST', '/tokens', 'tokens'],
  ['POST', '/tokens/:id/revoke', 'tokens'],
  ['GET', '/api/v1/tokens', 'tokens'],
  ['POST', '/api/v1/tokens', 'tokens'],
  ['DELETE', '/api/v1/tokens/:id', 'tokens'],
  ['GET', '/audit', 'audit'],
  ['GET', '/api/v1/audit', 'audit'],
  ['GET', '/privacy', 'personal-data'],
  ['GET', '/privacy/person', 'personal-data'],
  ['GET', '/privacy/export', 'personal-data'],
  ['GET', '/privacy/erase', 'personal-data'],
  ['POST', '/privacy/erase', 'personal-data'],
]

// Things that do not exist: an allowed role gets past the checks and meets a 404 or a 400, and nothing changes.
const fill = (path: string) => path.replace(':id', '999999').replace(':code', 'NOSUCHCODE').replace(':lang', 'en')

const kind = dbKinds()[0]!
const kinds = dbKinds()

for (const kind of kinds) {
  t.test(`every route × every role on ${kind}`, async (t) => {
    const f = await adminFixture(t, kind)
    const own = f.app.admin.routes.filter((r) => !r.url.startsWith('/api/v1/docs') && !r.url.startsWith('/static/'))
    t.same(
      own.map((r) => `${r.method} ${r.url} ${r.access}`).sort(),
      ROUTES.map(([m, p, a]) => `${m} ${p} ${a}`).sort(),
      'the app has exactly the routes of the table, each with its access',
    )

    for (const [method, path, access] of ROUTES) {
      if (access === 'public' || path === '/logout') continue
      const url = fill(path)
      const api = path.startsWith('/api/')
      if (api) {
        const body = method === 'GET' ? undefined : {}
        const none = await f.api(method, url, { token: null, body })
        t.equal(none.status, 401, `${method} ${path} without a token: 401`)
        t.equal(none.json?.error, 'unauthorized')
        t.match(none.headers.get('www-authenticate'), /^Bearer/)
        const bad = await f.api(method, url, { token: 'cwt_not-a-real-token-at-all-0000000000000000000000', body })
        t.equal(bad.status, 401, `${method} ${path} with an unknown token: 401`)
        for (const role of ROLES) {
          const r = await f.api(method, url, { role, body })
          if (WHO[access]!.includes(role)) t.notOk([401, 403].includes(r.status), `${method} ${path} as ${role}: allowed (${r.status})`)
          else {
            t.equal(r.status, 403, `${method} ${path} as ${role}: 403`)
            t.same(Object.keys(r.json ?? {}).sort(), ['error', 'message'], 'the error format')
            t.equal(r.json?.error, 'forbidden')
          }
        }
        continue
      }
      const anon = f.browser()
      const none = method === 'GET' ? await anon.get(url) : await anon.request(method, url, {})
      if (method === 'GET') {
        t.equal(none.status, 303, `${method} ${path} signed out: to the sign-in page`)
        t.match(none.location, /^\/login\?next=/)
      } else t.equal(none.status, 401, `${method} ${path} signed out: 401`)
      for (const role of ROLES) {
        const b = f.as[role]
        const r = method === 'GET' ? await b.get(url) : await b.post(url, {}, '/account')
        if (WHO[access]!.includes(role)) {
          t.notOk([401, 403].includes(r.status), `${method} ${path} as ${role}: allowed (${r.status})`)
          t.notMatch(r.text, 'data-test="forbidden"')
        } else {
          t.equal(r.status, 403, `${method} ${path} as ${role}: 403`)
          t.match(r.text, 'data-test="forbidden"', 'the refusal page, not a CSRF refusal')
        }
      }
    }

    // Signing out last: every role may, and is then signed out.
    for (const role of ROLES) {
      const r = await f.as[role].post('/logout', {}, '/account')
      t.equal(r.status, 303)
      t.equal((await f.as[role].get('/account')).status, 303, `${role} is signed out`)
    }
  })
}

t.test('a viewer sees aggregates and no management page, MAC or session', async (t) => {
  const f = await adminFixture(t, kind)
  const home = await f.as.viewer.get('/')
  t.equal(home.status, 200)
  t.match(home.text, 'data-test="online-now"')
  t.notMatch(home.text, 'data-test="down-nas"', 'no list of access points')
  for (const href of ['/sites', '/nas', '/policies', '/vouchers', '/sessions', '/terms', '/staff', '/tokens', '/audit']) t.notMatch(home.text, `href="${href}"`, `no link to ${href}`)
  const operatorHome = await f.as.operator.get('/')
  t.match(operatorHome.text, 'href="/sessions"', 'operators do get the links')
  t.notMatch(operatorHome.text, 'href="/staff"')
})
