// The `citywifi` program: the command line of core/ with the three services.
// The services are imported only when started, so that data commands load fast.
import { main } from '../core/cli/program.js'
import type { AppContext } from '../core/context.js'

// Everything citywifi creates (data dir, secret.key, the database files, the
// database socket, which needs no password) is for its own user only, from the
// first byte and whatever umask it was started with: a chmod afterwards leaves
// a window, and a file copied or created by a library would be missed.
// (Imports above only load code; nothing is created before this line runs.)
process.umask(0o077)

if (process.argv[2] === 'radius-worker') {
  // A RADIUS worker process, started by a primary with RADIUS_WORKERS > 1 (radius/cluster.ts).
  const { runRadiusWorker } = await import('../radius/cluster.js')
  await runRadiusWorker()
} else {
  const code = await main(process.argv, {
    radius: async (ctx: AppContext) => (await import('../radius/service.js')).startRadius(ctx),
    portal: async (ctx: AppContext) => (await import('../portal/service.js')).startPortal(ctx),
    admin: async (ctx: AppContext) => (await import('../admin/service.js')).startAdmin(ctx),
  })
  // Services keep the process alive until a signal; commands end here once
  // their output has been written.
  if (code !== 0 || !['start', 'radius', 'portal', 'admin'].includes(process.argv[2] ?? '')) {
    process.exit(code)
  }
}
