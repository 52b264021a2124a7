// Output of CLI commands. Everything a command prints goes through here so
// that the process exits only after the last byte reached the pipe: a script
// reading 10,000 vouchers must get all of them.
export function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()))
  })
}

export function printJson(value: unknown): Promise<void> {
  return write(JSON.stringify(value, null, 2) + '\n')
}

export function printLines(lines: string[]): Promise<void> {
  return write(lines.join('\n') + '\n')
}

/** Reads a secret from standard input: the whole of it, less one trailing newline. */
export async function readStdinSecret(prompt: string): Promise<string> {
  if (process.stdin.isTTY) {
    process.stderr.write(prompt)
    const { createInterface } = await import('node:readline')
    return new Promise((resolve) => {
      const rl = createInterface({ input: process.stdin, terminal: true })
      // Do not echo what is typed.
      ;(rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {}
      rl.question('', (answer) => {
        rl.close()
        process.stderr.write('\n')
        resolve(answer)
      })
    })
  }
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}
