import type { AppContext } from './context.js'
import type { Config } from './config.js'
import { openDatabase, type OpenOptions } from './db/database.js'
import type { Logger } from './logger.js'
import { createRegistry } from './metrics.js'
import { SecretBox, loadSecretKey } from './secret-box.js'

/** Everything a process needs before it starts services or runs a command. */
export async function createContext(config: Config, log: Logger, options: Omit<OpenOptions, 'log'>): Promise<AppContext> {
  const secrets = new SecretBox(loadSecretKey(config.dataDir, config.secretKeyHex))
  const db = await openDatabase(config, { ...options, log })
  return { config, log, db, secrets, metrics: createRegistry(db), metricSources: [] }
}
