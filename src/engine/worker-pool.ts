// One worker limit for a whole run tree (DESIGN.md "A run is a tree"): every container, at any depth, holds a
// slot while it runs; a step that only waits for its child runs holds none, so parents waiting on children can
// never starve them. Slots are handed out first come, first served across the tree, so siblings take turns.

export class WorkerPool {
  private free: number;
  private readonly waiting: Array<{ grant: () => void; signal: AbortSignal; onAbort: () => void }> = [];

  constructor(readonly size: number) {
    this.free = Math.max(1, size);
  }

  /** Waits for a slot; resolves to its release (call it once). Rejects when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(new Error('cancelled'));
    if (this.free > 0 && this.waiting.length === 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const entry = {
        signal,
        grant: () => {
          signal.removeEventListener('abort', entry.onAbort);
          resolve(this.releaser());
        },
        onAbort: () => {
          const at = this.waiting.indexOf(entry);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(new Error('cancelled'));
        },
      };
      signal.addEventListener('abort', entry.onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.grant();
      else this.free++;
    };
  }
}
