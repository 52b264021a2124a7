// What the RADIUS thread allocates, by function, objects already collected
// included (a scavenge's cost follows the allocation rate): V8's sampling
// heap profiler, started and stopped by SIGUSR2. Plain JavaScript, because
// it is preloaded into the compiled service:
//   BENCH_NODE_ARGS="--import $PWD/test/bench/alloc-sampling.mjs" … test/bench/radius.ts
//   kill -USR2 <citywifi pid>   # starts
//   kill -USR2 <citywifi pid>   # writes $ALLOC_PROFILE_DIR/<pid>.heapprofile (default /tmp)
//   node --import tsx test/bench/alloc-top.ts /tmp/<pid>.heapprofile
// (Chromium's DevTools open the .heapprofile file too.)
import fs from 'node:fs'
import inspector from 'node:inspector'
import path from 'node:path'
import { isMainThread } from 'node:worker_threads'

if (isMainThread) {
  const session = new inspector.Session()
  session.connect()
  const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (err, r) => (err ? reject(err) : resolve(r))))
  let sampling = false
  process.on('SIGUSR2', async () => {
    sampling = !sampling
    if (sampling) {
      await post('HeapProfiler.enable')
      await post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
    } else {
      const { profile } = await post('HeapProfiler.stopSampling')
      fs.writeFileSync(path.join(process.env.ALLOC_PROFILE_DIR ?? '/tmp', `${process.pid}.heapprofile`), JSON.stringify(profile))
    }
  })
}
