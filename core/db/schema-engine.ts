// Prisma's schema engine, run as WebAssembly: the Prisma CLI cannot fetch its
// native engine on our machines, and the wasm build computes the same diffs.
// Used by scripts/db.ts (new migrations) and the drift test, never at run time.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils'
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils'
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg'
import type { SchemaEngine } from '@prisma/schema-engine-wasm'
import { SCHEMA_PATH } from './migrations.js'

let ready: Promise<void> | undefined

// The package is built for bundlers (it imports a .wasm file as a module);
// Node needs the module instantiated by hand.
function loadWasm(): Promise<void> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url)
    const wasmPath = path.join(path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')), 'schema_engine_bg.wasm')
    const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmPath), { './schema_engine_bg.js': bg as never })
    const exports = instance.exports as Record<string, unknown> & { __wbindgen_start: () => void }
    ;(bg as unknown as { __wbg_set_wasm: (e: unknown) => void }).__wbg_set_wasm(exports)
    exports.__wbindgen_start()
  })()
  return ready
}

export interface Engine {
  engine: SchemaEngine
  /** The real error behind the engine's "External error id#N". */
  explain(err: unknown): Error
}

export async function openSchemaEngine(adapter: SqlMigrationAwareDriverAdapterFactory): Promise<Engine> {
  await loadWasm()
  const bound = bindMigrationAwareSqlAdapterFactory(adapter)
  const schema = fs.readFileSync(SCHEMA_PATH, 'utf8')
  const engine = await (bg as unknown as { SchemaEngine: typeof SchemaEngine }).SchemaEngine.new(
    { datamodels: [[SCHEMA_PATH, schema]] },
    () => {},
    bound,
  )
  const explain = (err: unknown): Error => {
    const m = /External error id#(\d+)/.exec(String((err as Error)?.message ?? err))
    if (m) {
      const inner = (bound as unknown as { errorRegistry: { consumeError(id: number): unknown } }).errorRegistry.consumeError(Number(m[1]))
      return new Error(`schema engine: ${JSON.stringify(inner)}`)
    }
    return err instanceof Error ? err : new Error(String(err))
  }
  return { engine, explain }
}

export function schemaFiles() {
  return { files: [{ path: SCHEMA_PATH, content: fs.readFileSync(SCHEMA_PATH, 'utf8') }] }
}

export const NO_FILTERS = { externalTables: [], externalEnums: [] }
