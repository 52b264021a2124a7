import type { PGlite } from '@electric-sql/pglite'
import type pg from 'pg'
import type { SqlRunner } from './migrations.js'

export function pgliteRunner(db: PGlite): SqlRunner {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      return (await db.query(sql, params)).rows as T[]
    },
    async exec(sql: string) {
      await db.exec(sql)
    },
  }
}

export function pgRunner(client: pg.ClientBase): SqlRunner {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      return (await client.query(sql, params)).rows as T[]
    },
    async exec(sql: string) {
      await client.query(sql)
    },
  }
}
