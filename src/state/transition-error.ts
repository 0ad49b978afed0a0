/** A state change the lifecycle does not allow: a bug in the caller, never something the user did. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly subject: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`illegal state transition for ${subject}: ${from} → ${to}`);
    this.name = 'IllegalTransitionError';
  }
}
