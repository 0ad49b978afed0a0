// Fixed paths inside every step container (DESIGN.md "One step, as data" 1). The one definition: config checks
// mount targets against them, the sandbox mounts them, adapters and contracts name them to the model. HOME is not
// here: the sandbox profile sets it (sandbox-profiles/default.yaml).
export const SANDBOX_PATHS = {
  /** The source snapshot and working directory. */
  src: '/wave/src',
  /** Outputs of earlier steps: `/wave/in/<step>/<artifact>`, read-only. */
  in: '/wave/in',
  /** The step's outputs; declared output paths are relative to it. */
  out: '/wave/out',
  /** Read-only folder where an invocation's files appear (instructions, CLI settings, `home/` seeds). */
  meta: '/wave/meta',
  /** The host directory with the egress proxy's and model gateway's sockets, read-only. */
  run: '/wave/run',
} as const;
