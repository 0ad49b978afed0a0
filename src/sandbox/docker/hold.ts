// wave-hold: the step container keeps its own /wave/out mounted after the command ends, so no second container has
// to hold the volume (out-volume.ts). A POSIX sh script, given on the entrypoint's argv (`sh -c`: no file a step could
// rewrite), runs under the engine's init: it starts the command as its child with stdin passed through and TERM
// forwarded, and once the command has exited it kills every other process of the step (so /wave/out is still while it
// is copied), prints a marker with the attempt's nonce on stderr and sleeps. Wave copies /wave/out out, then asks it
// to exit (SIGUSR1) with the command's exit code, which the engine reports like any exit code. When /wave/out is
// empty there is nothing to hold: it says so in the marker and exits at once.
//
// The step runs as the same user as the script, so it can read the nonce and print the marker itself. That is
// harmless by construction: the marker carries no result, only "copy now" (or "/wave/out is empty", which only loses
// the step its own outputs). After a marker printed while the command still runs, the release that follows makes the
// script kill everything and exit 137: a forger fails. The exit code never comes from printed text.
import { randomBytes } from 'node:crypto';
import type { ChunkSink } from './demux.js';

/** Asks the script to exit with the command's exit code (or, before the command ended, to kill it and fail). */
export const RELEASE_SIGNAL = 'SIGUSR1';
/** The SIGKILL of a stop: kills every process but the script, which then reports as for a normal end. */
export const KILL_SIGNAL = 'SIGUSR2';

/**
 * $1 nonce, $2 seeded (1: wait for Wave to put the step's starting /wave/out in first), then the command.
 * - An async list gets SIGINT/SIGQUIT ignored (POSIX); the command gets them back where the shell or env allows.
 * - The command's oom_score_adj is raised to the maximum, so the kernel's OOM killer picks it, not the script.
 * - `wait` may be interrupted by a trap; it is repeated while the command lives, and once more after, for shells
 *   that reap the command inside the interrupted wait.
 * - `kill -KILL -1` reaches every process but the script and the init.
 */
export const HOLD_SCRIPT = `set -u
n=$1 s=$2
shift 2
d= c=0 p=
trap 'kill -TERM "$p" 2>/dev/null' TERM
trap 'kill -KILL -1 2>/dev/null' USR2
trap 'if [ -n "$d" ]; then exit "$c"; fi; kill -KILL -1 2>/dev/null; exit 137' USR1
if [ "$s" = 1 ]; then
  while [ ! -e "/wave/out/.wave-seeded-$n" ]; do sleep 0.05 2>/dev/null || sleep 1; done
  rm -f "/wave/out/.wave-seeded-$n"
fi
exec 3<&0
(
  trap - INT QUIT 2>/dev/null
  echo 1000 >/proc/self/oom_score_adj 2>/dev/null
  if env --default-signal=INT,QUIT true 2>/dev/null; then
    case $1 in *=*) ;; *) exec env --default-signal=INT,QUIT -- "$@" ;; esac
  fi
  exec "$@"
) <&3 3<&- &
p=$!
exec 3<&- </dev/null
while :; do wait "$p" 2>/dev/null; c=$?; kill -0 "$p" 2>/dev/null || break; done
wait "$p" 2>/dev/null
w=$?
[ "$w" = 127 ] || c=$w
kill -KILL -1 2>/dev/null
e=1
for f in /wave/out/* /wave/out/.[!.]* /wave/out/..?*; do
  if [ -e "$f" ] || [ -L "$f" ]; then e=0; break; fi
done
d=1
printf '\\036wave-hold:%s:%s\\n' "$n" "$e" >&2
[ "$e" = 0 ] || exit "$c"
while :; do sleep 3600 & wait $!; done
`;

/** An unguessable nonce per attempt: the marker cannot appear in a step's output by accident. */
export function holdNonce(): string {
  return randomBytes(16).toString('hex');
}

/** The entrypoint that runs the image's entrypoint and the command under wave-hold. */
export function holdEntrypoint(nonce: string, seeded: boolean): string[] {
  return ['/bin/sh', '-c', HOLD_SCRIPT, 'wave-hold', nonce, seeded ? '1' : '0'];
}

/** The file whose arrival in /wave/out (the seed archive's last entry) lets a seeded step start. */
export function seedSentinel(nonce: string): string {
  return `.wave-seeded-${nonce}`;
}

export interface HoldMarker {
  /** The script found /wave/out empty: nothing to copy. */
  empty: boolean;
}

/**
 * A stderr sink that removes wave-hold's markers (every one: a step may print forged ones) and reports the first.
 * Bytes that may begin a marker are held back until the next chunk shows whether they do.
 */
export class MarkerWatch implements ChunkSink {
  private readonly prefix: Buffer;
  private pending = Buffer.alloc(0);
  private seen: (marker: HoldMarker) => void = () => undefined;
  /** Settles with the first marker; never rejects. */
  readonly marker: Promise<HoldMarker>;

  constructor(
    nonce: string,
    private readonly sink: ChunkSink,
  ) {
    this.prefix = Buffer.from(`\x1ewave-hold:${nonce}:`, 'latin1');
    this.marker = new Promise((resolve) => (this.seen = resolve));
  }

  async write(chunk: Buffer): Promise<void> {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    for (;;) {
      const at = buf.indexOf(this.prefix);
      if (at === -1) {
        const keep = this.partialTail(buf);
        this.pending = Buffer.from(buf.subarray(buf.length - keep));
        buf = buf.subarray(0, buf.length - keep);
        break;
      }
      const end = at + this.prefix.length + 2; // the flag and the newline
      if (buf.length < end) {
        this.pending = Buffer.from(buf.subarray(at));
        buf = buf.subarray(0, at);
        break;
      }
      if (at > 0) await this.sink.write(buf.subarray(0, at));
      this.seen({ empty: buf[at + this.prefix.length] === 0x31 });
      buf = buf.subarray(end);
    }
    if (buf.length > 0) await this.sink.write(buf);
  }

  async end(): Promise<void> {
    if (this.pending.length > 0) await this.sink.write(this.pending);
    this.pending = Buffer.alloc(0);
    await this.sink.end();
  }

  /** How many bytes at the end of buf could be the start of a marker. */
  private partialTail(buf: Buffer): number {
    for (let k = Math.min(buf.length, this.prefix.length - 1); k > 0; k--) {
      if (buf.subarray(buf.length - k).equals(this.prefix.subarray(0, k))) return k;
    }
    return 0;
  }
}
