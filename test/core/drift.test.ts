// The migrations in prisma/migrations produce exactly prisma/schema.prisma,
// checked on a real PostgreSQL; and the check does see a difference.
import t from 'tap'
import { migrationsDrift } from '../../core/db/drift.js'
import { readMigrations } from '../../core/db/migrations.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'

t.test('no drift between the migrations and schema.prisma on PostgreSQL', async (t) => {
  const result = await migrationsDrift(TEST_DATABASE_URL)
  t.same(result.differences, [], result.differences.join('\n'))
  t.ok(result.inSync)
})

t.test('a migration history missing a change is reported', async (t) => {
  const migrations = readMigrations()
  const last = migrations.at(-1)!
  // Drop the last index the history creates: the check must notice.
  const statements = last.sql.split(/;\s*\n/)
  const index = statements.findLastIndex((s) => /CREATE (UNIQUE )?INDEX/.test(s))
  t.ok(index >= 0, 'the history creates an index')
  const tampered = [...migrations.slice(0, -1), { ...last, sql: statements.filter((_, i) => i !== index).join(';\n') }]
  const result = await migrationsDrift(TEST_DATABASE_URL, tampered)
  t.notOk(result.inSync)
  t.ok(result.differences.some((d) => d.startsWith('+ index ')), result.differences.join('\n'))
})
