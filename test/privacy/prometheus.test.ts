// deploy/prometheus/ checked by Prometheus's own tool: the rules and the
// configuration parse, and the alert rules' unit tests (alerts.test.yml) pass.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import t from 'tap'
import { PROJECT_ROOT } from '../../core/db/migrations.js'

const DIR = path.join(PROJECT_ROOT, 'deploy', 'prometheus')

function promtool(...args: string[]) {
  const r = spawnSync('promtool', args, { cwd: DIR, encoding: 'utf8', timeout: 120_000 })
  if (r.error) throw new Error(`promtool cannot run (${r.error.message}): install Debian's prometheus package (scripts/install-test-deps.sh)`)
  return { code: r.status, out: `${r.stdout}${r.stderr}` }
}

t.test('promtool check rules', async (t) => {
  const r = promtool('check', 'rules', 'alerts.yml')
  t.equal(r.code, 0, r.out)
  t.match(r.out, /SUCCESS: \d+ rules found/)
})

t.test('promtool test rules', async (t) => {
  const r = promtool('test', 'rules', 'alerts.test.yml')
  t.equal(r.code, 0, r.out)
  t.match(r.out, /SUCCESS/)
})

t.test('promtool check config', async (t) => {
  const r = promtool('check', 'config', 'prometheus.yml')
  t.equal(r.code, 0, r.out)
})
