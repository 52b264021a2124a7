/** One thing wrong with an input: the field it is about, an English message, and a key for other languages. */
export interface Problem {
  /** The form field or CLI option it is about. */
  field?: string
  message: string
  /** A message key the admin app translates (admin/locales); the English message is used without one. */
  key?: string
  vars?: Record<string, string | number>
}

/** Bad input from a person or a script: the message is shown as it is. */
export class InputError extends Error {
  override name = 'InputError'
  /** Every problem found (the first is this error's own message), so that a form can mark each field. */
  readonly problems: Problem[]
  constructor(
    message: string,
    /** The form field or CLI option it is about. */
    readonly field?: string,
    readonly key?: string,
    readonly vars?: Record<string, string | number>,
  ) {
    super(message)
    this.problems = [{ field, message, key, vars }]
  }

  /** All the problems of one input at once; undefined when there is none. */
  static of(problems: Problem[]): InputError | undefined {
    const [first, ...rest] = problems
    if (!first) return undefined
    const err = new InputError(first.message, first.field, first.key, first.vars)
    err.problems.push(...rest)
    return err
  }
}

/** The thing asked for does not exist (HTTP 404). */
export class NotFoundError extends Error {
  override name = 'NotFoundError'
  constructor(
    message: string,
    readonly key = 'notFound',
  ) {
    super(message)
  }
}

/** The change is refused because of the state of something else (HTTP 409): a NAS with sessions, the last admin. */
export class ConflictError extends InputError {
  override name = 'ConflictError'
}

/** Prisma's unique-constraint violation, without importing Prisma's error classes everywhere. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === 'P2002'
}

/** Collects the problems of one input, so that a form shows every one of them next to its field. */
export class Problems {
  readonly list: Problem[] = []
  add(field: string, message: string, key?: string, vars?: Record<string, string | number>): void {
    this.list.push({ field, message, key, vars })
  }
  has(field: string): boolean {
    return this.list.some((p) => p.field === field)
  }
  throwIfAny(): void {
    const err = InputError.of(this.list)
    if (err) throw err
  }
}
