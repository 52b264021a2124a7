// One process owns an embedded data dir at a time: PGlite is single-process
// and two writers would corrupt it. A pid file created with O_EXCL is the
// lock; a lock left by a process that no longer runs is taken over. Written
// here because lock libraries judge staleness by file age, which would keep a
// crashed instance's dir locked for a while, and we can simply ask the OS
// whether the pid is alive.
import fs from 'node:fs'
import path from 'node:path'

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError'
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`the data dir ${dataDir} is in use by another citywifi process (pid ${pid}); stop it first or use another CITYWIFI_DATA_DIR`)
  }
}

export function lockFile(dataDir: string): string {
  return path.join(dataDir, 'citywifi.pid')
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The pid holding the data dir, if a live process holds it. */
export function lockHolder(dataDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(lockFile(dataDir), 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined
  } catch {
    return undefined
  }
}

/** Takes the lock or throws DataDirLockedError; returns the function that releases it. */
export function acquireLock(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const file = lockFile(dataDir)
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' })
      let released = false
      return () => {
        if (released) return
        released = true
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file)
        } catch {
          // already gone
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const holder = lockHolder(dataDir)
      if (holder) throw new DataDirLockedError(dataDir, holder)
      // Stale: its process is gone. Remove and retry; O_EXCL decides any race.
      try {
        fs.unlinkSync(file)
      } catch {
        // someone else removed it first
      }
    }
  }
  throw new DataDirLockedError(dataDir, lockHolder(dataDir) ?? 0)
}
