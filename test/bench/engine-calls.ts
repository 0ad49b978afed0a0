// Counts and times the Engine API calls a Docker client makes, by wrapping it (and the containers and images it
// hands out) in a proxy. For the benchmarks' per-step breakdown: how many round trips a step costs, and how long
// each kind takes under load. A helper, not a benchmark.
import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';

export type CallLog = Map<string, number[]>;

const WRAPPED_RESULTS: Record<string, string> = {
  getImage: 'image.',
  getContainer: 'container.',
  createContainer: 'container.',
};

function wrap<T extends object>(target: T, prefix: string, log: CallLog): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string' || prop.startsWith('_')) return value;
      return (...args: unknown[]) => {
        const started = performance.now();
        const out = (value as (...a: unknown[]) => unknown).apply(obj, args);
        const child = WRAPPED_RESULTS[prop];
        if (out instanceof Promise) {
          return out.then((result: unknown) => {
            const list = log.get(prefix + prop) ?? [];
            list.push(performance.now() - started);
            log.set(prefix + prop, list);
            return child && result && typeof result === 'object' ? wrap(result, child, log) : result;
          });
        }
        return child && out && typeof out === 'object' ? wrap(out, child, log) : out;
      };
    },
  });
}

/** A client that records every call it (and its containers/images) makes into `log`: name → durations in ms. */
export function countingDocker(docker: Docker, log: CallLog): Docker {
  return wrap(docker, '', log);
}
