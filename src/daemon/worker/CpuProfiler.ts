import inspector from 'node:inspector';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A CPU profile of this plugin host, recorded from inside it (`inspector.Session` attaches to
 * the host's own isolate: a worker's, or a process's): V8's sampling profiler, for `durationMs`,
 * while the host goes on running its plugins. The result is a `.cpuprofile`, as Chrome DevTools
 * and VS Code open it.
 */
export async function recordCpuProfile(durationMs: number): Promise<unknown> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  try {
    await post('Profiler.enable');
    // Every 100 µs: fine enough to see a plugin's function in a few seconds.
    await post('Profiler.setSamplingInterval', { interval: 100 });
    await post('Profiler.start');
    await sleep(durationMs);
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    return profile;
  } finally {
    session.disconnect();
  }
}
