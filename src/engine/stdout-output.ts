// Outputs declared `source: stdout`: what the step printed on stdout, written by Wave to the output's path in
// /wave/out once the container has ended, then collected, checked and recorded like any file the step wrote. The
// text is the one Wave stores (secrets masked), kept whole or not at all: more than the stored-output bound
// (resources.stored_output_head + stored_output_tail), or a line cut by the line limit, fails the step rather
// than leave a shortened artifact that looks complete.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { OutputArtifact } from '../config/types.js';
import { normalizeDeclaredPath } from '../sandbox/collect.js';
import { failure, type AttemptFailure } from './attempt.js';
import type { OutputBounds } from './output-budget.js';

export interface StdoutCapture {
  /** One stdout line as stored (scrubbed); `cutBytes` were already cut from its end by the line limit. */
  line(text: string, cutBytes: number): void;
  /** Writes every stdout output; a failure when the capture is not whole or the step wrote the path itself. */
  write(outDir: string): Promise<AttemptFailure | undefined>;
}

export function captureStdout(outputs: readonly OutputArtifact[], bounds: OutputBounds): StdoutCapture | undefined {
  const wanted = outputs.filter((o) => o.source === 'stdout');
  if (!wanted.length) return undefined;
  const limit = bounds.headBytes + bounds.tailBytes;
  const chunks: Buffer[] = [];
  let bytes = 0;
  let lost: string | undefined;
  return {
    line(text, cutBytes) {
      if (lost) return;
      if (cutBytes > 0) {
        lost = `a stdout line was longer than the line limit (${cutBytes} bytes cut)`;
        return;
      }
      const chunk = Buffer.from(`${text}\n`, 'utf8');
      bytes += chunk.length;
      if (bytes > limit) lost = `the step printed more than ${limit} bytes on stdout`;
      else chunks.push(chunk);
    },
    async write(outDir) {
      const names = wanted.map((o) => o.name).join(', ');
      if (lost) {
        return failure('contract', `stdout output ${names}: ${lost}`, {
          feedback: `${lost}; the output ${names} is the whole stdout, so print less`,
        });
      }
      const content = Buffer.concat(chunks);
      for (const output of wanted) {
        const problem = await writeBeside(outDir, normalizeDeclaredPath(output.path), content);
        if (problem) {
          const message = `stdout output ${output.name}: ${problem} (/wave/out/${output.path})`;
          return failure('contract', message, { feedback: `${message}; Wave writes that file from stdout` });
        }
      }
      return undefined;
    },
  };
}

/**
 * Writes `rel` under `outDir`, which the step filled: every folder on the way must be a real folder (a link
 * the step left there must not lead Wave's write out of /wave/out), and the file must not exist yet.
 */
async function writeBeside(outDir: string, rel: string, content: Buffer): Promise<string | undefined> {
  const parts = rel.split('/');
  let dir = outDir;
  for (const part of parts.slice(0, -1)) {
    dir = path.join(dir, part);
    const stat = await fs.lstat(dir).catch(() => undefined);
    if (!stat) await fs.mkdir(dir);
    else if (!stat.isDirectory()) return `the step left '${path.relative(outDir, dir)}', which is not a folder`;
  }
  const target = path.join(dir, parts[parts.length - 1] ?? '');
  if (await fs.lstat(target).catch(() => undefined)) return 'the step itself wrote the file';
  await fs.writeFile(target, content, { flag: 'wx' });
  return undefined;
}
