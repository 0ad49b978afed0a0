// One worker limit for a whole run tree (DESIGN.md "A run is a tree"): every container, at any depth, holds a
// slot while it runs; a step that only waits for its child runs holds none, so parents waiting on children can
// never starve them.
//
// Fair between siblings: a waiter names its lane, the path of step ids from the root run down to its step
// (`['review', 'check']` for step `check` of the child runs of the root's step `review`). A released slot goes
// round-robin between the sibling lanes that wait at each level, so a 200-item iterate cannot hold back the
// step next to it: the items share their step's turn. Within one lane (the items of one step) it is first come,
// first served, so items finish in order.

interface Waiter {
  grant: () => void;
}

/** The waiters under one step path: its own, then its children's lanes, in the order they take turns. */
class Lane {
  readonly own: Waiter[] = [];
  readonly children = new Map<string, Lane>();
  /** Keys of the children that wait, and '' for `own`, in turn order. */
  readonly turns: string[] = [];

  get empty(): boolean {
    return this.turns.length === 0;
  }

  add(path: readonly string[], waiter: Waiter): void {
    const [head, ...rest] = path;
    const key = head === undefined ? '' : head;
    if (!this.turns.includes(key)) this.turns.push(key);
    if (head === undefined) {
      this.own.push(waiter);
      return;
    }
    let child = this.children.get(head);
    if (!child) this.children.set(head, (child = new Lane()));
    child.add(rest, waiter);
  }

  /** Takes the next waiter in turn; the lane it came from goes to the back if it still waits. */
  take(): Waiter | undefined {
    const key = this.turns.shift();
    if (key === undefined) return undefined;
    if (key === '') {
      const waiter = this.own.shift();
      if (this.own.length > 0) this.turns.push(key);
      return waiter;
    }
    const child = this.children.get(key);
    const waiter = child?.take();
    if (child && !child.empty) this.turns.push(key);
    else this.children.delete(key);
    return waiter;
  }

  remove(path: readonly string[], waiter: Waiter): void {
    const [head, ...rest] = path;
    if (head === undefined) {
      const at = this.own.indexOf(waiter);
      if (at >= 0) this.own.splice(at, 1);
      if (this.own.length === 0) this.dropTurn('');
      return;
    }
    const child = this.children.get(head);
    if (!child) return;
    child.remove(rest, waiter);
    if (!child.empty) return;
    this.children.delete(head);
    this.dropTurn(head);
  }

  private dropTurn(key: string): void {
    const at = this.turns.indexOf(key);
    if (at >= 0) this.turns.splice(at, 1);
  }
}

export class WorkerPool {
  private free: number;
  private readonly waiting = new Lane();

  constructor(readonly size: number) {
    this.free = Math.max(1, size);
  }

  /**
   * Waits for a slot for a step on `lane` (its step path in the run tree); resolves to its release (call it once).
   * Rejects when `signal` aborts first.
   */
  acquire(signal: AbortSignal, lane: readonly string[] = []): Promise<() => void> {
    if (signal.aborted) return Promise.reject(new Error('cancelled'));
    if (this.free > 0 && this.waiting.empty) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiting.remove(lane, waiter);
        reject(new Error('cancelled'));
      };
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.add(lane, waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.take();
      if (next) next.grant();
      else this.free++;
    };
  }
}
