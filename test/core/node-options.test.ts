// The services run with a larger young generation wherever they are started
// (docs/performance.md); the benchmark measures them with the same options.
// One place forgetting it would make the figures untrue for that way of running.
import fs from 'node:fs'
import t from 'tap'
import { SERVICE_NODE_ARGS } from '../bench/citywifi-server.js'

const read = (p: string) => fs.readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8')

t.test('npm start, systemd and the container image run node with the benchmarked options', async (t) => {
  t.same(SERVICE_NODE_ARGS, ['--max-semi-space-size=16'])
  const flag = SERVICE_NODE_ARGS[0]
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> }
  t.equal(pkg.scripts.start, `node ${flag} bin/citywifi.js start`, 'npm start')
  for (const unit of ['deploy/systemd/citywifi.service', 'deploy/systemd/citywifi@.service']) {
    t.match(read(unit), new RegExp(`^Environment=NODE_OPTIONS=${flag}$`, 'm'), unit)
  }
  t.match(read('deploy/container/Containerfile'), new RegExp(`^ENV NODE_OPTIONS=${flag}$`, 'm'), 'Containerfile')
})
