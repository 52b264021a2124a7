/** Bad input from a person or a script: the message is shown as it is. */
export class InputError extends Error {
  override name = 'InputError'
  constructor(
    message: string,
    /** The form field or CLI option it is about. */
    readonly field?: string,
  ) {
    super(message)
  }
}

/** Prisma's unique-constraint violation, without importing Prisma's error classes everywhere. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === 'P2002'
}
