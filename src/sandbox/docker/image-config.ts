// What the sandbox needs from an image (its ENTRYPOINT, to drop the init, and its labels, to know whether it
// carries the egress bridge), remembered for a short while. Every step of a run used to inspect its image again:
// one Engine API round trip per container that always returned the same answer. Only successful answers are kept
// (a missing image is asked about again, so building it mid-run helps), and only for `ttlMs`, so a tag rebuilt
// with another entrypoint is seen by the steps that start after that.
import type Docker from 'dockerode';

export interface ImageConfig {
  entrypoint: string[] | null | undefined;
  labels: Record<string, string> | undefined;
}

export const IMAGE_CONFIG_TTL_MS = 30_000;

export class ImageConfigCache {
  private readonly entries = new Map<string, { at: number; config: Promise<ImageConfig> }>();

  constructor(
    private readonly ttlMs = IMAGE_CONFIG_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The image's config; rejects with the engine's error (e.g. 404 no such image), which is not cached. */
  get(docker: Docker, image: string): Promise<ImageConfig> {
    const hit = this.entries.get(image);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.config;
    // Concurrent steps of the same image share one request.
    const config = docker
      .getImage(image)
      .inspect()
      .then((info) => ({
        entrypoint: info.Config?.Entrypoint as string[] | null | undefined,
        labels: info.Config?.Labels ?? undefined,
      }));
    const entry = { at: this.now(), config };
    this.entries.set(image, entry);
    config.catch(() => {
      if (this.entries.get(image) === entry) this.entries.delete(image);
    });
    return config;
  }

  /** Drops what is known about `image` (the engine said it is gone). */
  forget(image: string): void {
    this.entries.delete(image);
  }
}
