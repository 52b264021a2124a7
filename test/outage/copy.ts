// One copy of citywifi's RADIUS service with a short job period, for
// jobs-once.test.ts: runs for COPY_RUN_MS, then prints the periods it won.
import { createContext } from '../../core/bootstrap.js'
import { loadConfig } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import { startRadiusProcess } from '../../radius/service.js'

const config = loadConfig()
const ctx = await createContext(config, createLogger('warn', process.stderr), { role: 'owner' })
const service = await startRadiusProcess(ctx, { jobIntervalMs: Number(process.env.COPY_JOB_MS ?? 300), changePollMs: 1000 })
process.stderr.write('copy ready\n')
await new Promise((r) => setTimeout(r, Number(process.env.COPY_RUN_MS ?? 5000)))
const won = Object.fromEntries(service.leases.won)
await service.close()
await ctx.db.close()
process.stdout.write(JSON.stringify(won) + '\n')
process.exit(0)
