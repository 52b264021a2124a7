// GET /api/v1/stats/usage: who may read it, what it refuses, what the
// OpenAPI document says. (The figures themselves: usage-radius.test.ts.)
import t from 'tap'
import { addSite } from '../../core/services/sites.js'
import { adminFixture } from '../admin/setup.js'
import { dbKinds } from '../helpers/databases.js'

for (const kind of dbKinds()) {
  t.test(`the usage API on ${kind}`, async (t) => {
    const f = await adminFixture(t, kind)
    const site = await addSite(f.ctx.db.prisma, { name: 'Bưu điện Thành phố' }, 'test')
    const q = 'from=2026-11-01&to=2026-11-30&interval=day'

    t.equal((await f.api('GET', `/api/v1/stats/usage?${q}`, { token: null })).status, 401, 'no token: 401')
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const r = await f.api('GET', `/api/v1/stats/usage?${q}&site=${site.id}`, { role })
      t.equal(r.status, 200, `${role}: 200`)
      t.equal(r.json.series.length, 30)
      t.same(r.json.site, { id: site.id, name: site.name })
      t.equal(r.json.totals.sessions, 0)
      t.equal(r.json.totals.medianSessionSeconds, null, 'no ended session: no median')
      t.equal(r.json.timeZone, f.ctx.config.timeZone)
    }
    // Aggregates only: nothing in the answer names a device, a session or a phone.
    const body = (await f.api('GET', `/api/v1/stats/usage?${q}`, { role: 'viewer' })).text
    t.notMatch(body, /"(phone\w*|username|deviceId|sessionId|acctSessionId|framedIp|callingStationId)"\s*:/i)
    t.notMatch(body, /[0-9A-F]{2}(-[0-9A-F]{2}){5}/i, 'no MAC address')

    const refused: [string, number, string][] = [
      ['from=2026-11-31&to=2026-12-01', 400, 'not a date'],
      ['from=2026-11-10&to=2026-11-01', 400, 'to before from'],
      ['from=2026-01-01&to=2026-03-01&interval=hour', 400, 'too many hours'],
      ['from=2026-11-01&to=2026-11-02&interval=week', 400, 'no such interval'],
      ['from=2026-11-01', 400, 'no end'],
      ['from=2026-11-01&to=2026-11-02&site=Nowhere', 404, 'unknown site'],
      ['from=2026-11-01&to=2026-11-02&site=999999', 404, 'unknown site id'],
    ]
    for (const [query, status, why] of refused) {
      const r = await f.api('GET', `/api/v1/stats/usage?${query}`, { role: 'viewer' })
      t.equal(r.status, status, `${why}: ${status}`)
      t.same(Object.keys(r.json).filter((k) => k === 'error' || k === 'message').sort(), ['error', 'message'], 'the error format')
    }

    const doc = (await f.api('GET', '/api/v1/openapi.json', { token: null })).json
    const op = doc.paths['/api/v1/stats/usage'].get
    t.ok(op, 'in the OpenAPI document')
    t.same(op.security, [{ bearer: [] }])
    t.ok(op.responses['200'].content['text/csv'], 'the CSV form is described')
    t.ok(op.responses['200'].content['application/json'].schema.properties.totals.properties.uniqueDevices)
  })
}
