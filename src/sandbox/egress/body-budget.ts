// A per-step budget of request-body bytes the model gateways hold in memory. A gateway reads a body whole before
// it forwards it (to check it as the provider would read it), so without a budget one step's connections could
// each hold a maximum-size body at once: 64 × 32 MiB of the host's memory. Bytes are counted as they arrive (a
// declared Content-Length is reserved before the first one is read) and given back when the body has been sent
// upstream or the request is gone, whichever comes first. (Checking a body copies and parses it, synchronously:
// those copies exist for one body at a time in the whole process, not one per connection.)

export interface BodyLease {
  /** Reserves n more bytes for this request; false (nothing reserved) when the step's budget would go over. */
  take(n: number): boolean;
  /** Bytes this request holds. */
  held(): number;
  /** Bytes the step's other requests hold. */
  others(): number;
  /** Gives back everything this request holds; safe to call more than once. */
  release: () => void;
}

export interface BodyBudget {
  readonly max: number;
  /** A lease for one request's body. */
  lease(): BodyLease;
  /** Bytes the step's requests hold now. */
  held(): number;
}

export function createBodyBudget(max: number): BodyBudget {
  if (!Number.isSafeInteger(max) || max < 1) throw new Error(`body budget must be a positive integer, got ${max}`);
  let held = 0;
  return {
    max,
    held: () => held,
    lease() {
      let mine = 0;
      return {
        take(n) {
          if (held + n > max) return false;
          held += n;
          mine += n;
          return true;
        },
        held: () => mine,
        others: () => held - mine,
        release() {
          held -= mine;
          mine = 0;
        },
      };
    },
  };
}
