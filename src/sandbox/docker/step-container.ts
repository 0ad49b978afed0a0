// The step's own container, from create to remove: its output attached before it starts (so no early line is
// lost), its stdin written once and closed, its exit read while the last output drains. Stopping it is the
// shared StopControl's job (../stop.ts); this supplies the signal delivery.
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import type { CommandOutput } from '../output.js';
import type { SignalTarget } from '../stop.js';
import { DockerDemuxer } from './demux.js';
import { removeContainer, sandboxFailed } from './engine-errors.js';
import { imageMissing, isNoSuchImage } from './images.js';

export interface ContainerExit {
  exitCode: number | null;
  oomKilled: boolean;
}

export interface StepContainerContext {
  /** The step, for messages. */
  step: string;
  /** For debug lines about the output stream. */
  debug?: (fields: object, message: string) => void;
}

export class StepContainer {
  private stream: Duplex | undefined;
  private streamEnded = false;
  private drained: Promise<void> = Promise.resolve();

  private constructor(
    private readonly container: Docker.Container,
    private readonly ctx: StepContainerContext,
  ) {}

  get id(): string {
    return this.container.id;
  }

  /** Creates the container; a missing image is image_missing (after `onNoSuchImage`, so a cache can forget it). */
  static async create(
    docker: Docker,
    options: Docker.ContainerCreateOptions,
    ctx: StepContainerContext & { image: string; onNoSuchImage: () => void },
  ): Promise<StepContainer> {
    try {
      return new StepContainer(await docker.createContainer(options), ctx);
    } catch (err) {
      if (!isNoSuchImage(err)) throw sandboxFailed(`cannot create the container for step ${ctx.step}`, err);
      ctx.onNoSuchImage();
      throw imageMissing(ctx.image, err);
    }
  }

  /** Attaches its output to `output`, and its stdin when there is some to write (hijacked only then). */
  async attach(output: CommandOutput, withStdin: boolean): Promise<void> {
    const options = { stream: true, stdin: withStdin, stdout: true, stderr: true, hijack: withStdin };
    const stream = (await this.container.attach(options)) as unknown as Duplex;
    this.stream = stream;
    stream.once('end', () => (this.streamEnded = true));
    const demuxer = new DockerDemuxer(output.stdout, output.stderr);
    this.drained = pipeline(stream as Readable, demuxer).catch((err: unknown) => {
      // Destroyed by us after a drain timeout, or the engine dropped the connection: output is best effort then.
      if (this.streamEnded) return;
      this.ctx.debug?.({ containerId: this.id, err: (err as Error).message }, 'output stream closed early');
    });
  }

  /** Starts it once `ready` (the /wave/out holder holds the volume) has resolved. */
  async start(ready: Promise<void>): Promise<void> {
    try {
      await ready;
    } catch (err) {
      this.stream?.destroy();
      throw err;
    }
    try {
      await this.container.start();
    } catch (err) {
      this.stream?.destroy();
      throw sandboxFailed(`cannot start the container for step ${this.ctx.step}`, err);
    }
  }

  /** Writes `data`, then half-closes the stream: with StdinOnce the engine then closes the command's stdin (EOF). */
  writeStdin(data: string | Uint8Array): void {
    this.stream?.end(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data));
  }

  /** 409/404 mean it has stopped already, which is what a stop wants. */
  readonly signal: SignalTarget = (signal) =>
    this.container.kill({ signal }).then(
      () => undefined,
      () => undefined,
    );

  /**
   * Waits for the command to exit, then for the rest of its output (at most `drainTimeoutMs`). The inspect for
   * OOMKilled (the wait answer does not carry it) overlaps the drain: the container's state is final by then.
   */
  async exit(drainTimeoutMs: number): Promise<ContainerExit> {
    const lost = (err: unknown) =>
      sandboxFailed(`lost the container of step ${this.ctx.step} (removed from outside?)`, err);
    // condition 'not-running' after start returns at once if the command already finished: no lost exit.
    const waited = (await this.container.wait().catch((err: unknown) => {
      throw lost(err);
    })) as { StatusCode?: number };
    const drainTimer = setTimeout(() => {
      if (!this.streamEnded) this.stream?.destroy();
    }, drainTimeoutMs);
    const inspected = this.container.inspect();
    inspected.catch(() => undefined); // awaited below; not an unhandled rejection while the drain runs
    await this.drained;
    clearTimeout(drainTimer);
    const state = (
      await inspected.catch((err: unknown) => {
        throw lost(err);
      })
    ).State;
    const exitCode = typeof waited.StatusCode === 'number' ? waited.StatusCode : state.ExitCode;
    return { exitCode, oomKilled: state.OOMKilled };
  }

  remove(warn: (detail: string) => void): Promise<void> {
    return removeContainer(this.container, warn);
  }
}
