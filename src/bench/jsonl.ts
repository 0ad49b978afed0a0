// A SWE-bench-like JSONL dataset: one task per line. The fields are SWE-bench's (instance_id, repo, base_commit,
// problem_statement, FAIL_TO_PASS, PASS_TO_PASS, test_patch) plus what its harness keeps in per-repository specs:
// the test command (test_cmd, the test's name as $1) and the environment (a Dockerfile folder or an image).
// `repo` is a local path (relative to the file) or a git URL the host can reach, never an owner/name to look up.
import { existsSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BenchTask, Dataset, TaskEnvironment, TaskProblem } from './types.js';
import { DEFAULT_EVAL_TIMEOUT_MS } from './types.js';
import {
  FieldError,
  isObject,
  optionalBool,
  optionalPositive,
  optionalSeconds,
  optionalText,
  taskId,
  testList,
  text,
} from './fields.js';

const COMMIT = /^[0-9a-f]{7,64}$/i;
/** scheme://…, or scp-like user@host:path: anything else is a path on this machine. */
const GIT_URL = /^([a-z][a-z0-9+.-]*:\/\/|[^/@\s]+@[^/:\s]+:)/i;

export async function readJsonlDataset(file: string): Promise<Dataset> {
  const dir = path.dirname(path.resolve(file));
  const lines = (await fs.readFile(file, 'utf8')).split('\n');
  const tasks: BenchTask[] = [];
  const problems: TaskProblem[] = [];
  const seen = new Map<string, string>();
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${file}:${index + 1}`;
    try {
      const task = taskFromLine(line, where, dir);
      const earlier = seen.get(task.id);
      if (earlier) throw new FieldError(`instance_id: '${task.id}' is already the task at ${earlier}`);
      seen.set(task.id, where);
      tasks.push(task);
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      problems.push({ where, message: err.message });
    }
  });
  return { path: file, format: 'jsonl', tasks, problems };
}

function taskFromLine(line: string, where: string, dir: string): BenchTask {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    throw new FieldError(`not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(parsed)) throw new FieldError('expected a JSON object');
  const id = taskId(parsed.instance_id, 'instance_id');
  const commit = text(parsed, 'base_commit');
  if (!COMMIT.test(commit)) throw new FieldError(`base_commit: '${commit}' is not a commit id`);
  const testPatch = optionalText(parsed, 'test_patch');
  const agentTimeoutMs = optionalSeconds(parsed, 'agent_timeout_sec');
  const memoryMb = optionalPositive(parsed, 'memory_mb');
  const cpus = optionalPositive(parsed, 'cpus');
  return {
    id,
    format: 'jsonl',
    where,
    instruction: text(parsed, 'problem_statement'),
    source: { kind: 'git', repo: repoOf(text(parsed, 'repo'), dir), commit },
    environment: environmentOf(parsed, dir),
    judge: {
      kind: 'tests',
      testCmd: text(parsed, 'test_cmd', 'test_command'),
      failToPass: testList(parsed, 'FAIL_TO_PASS'),
      passToPass: testList(parsed, 'PASS_TO_PASS'),
      ...(testPatch ? { testPatch } : {}),
    },
    allowInternet: optionalBool(parsed, 'allow_internet') ?? false,
    ...(agentTimeoutMs ? { agentTimeoutMs } : {}),
    evalTimeoutMs: optionalSeconds(parsed, 'timeout_sec') ?? DEFAULT_EVAL_TIMEOUT_MS,
    ...(memoryMb ? { memoryBytes: Math.round(memoryMb * 1024 * 1024) } : {}),
    ...(cpus ? { cpus } : {}),
  };
}

function repoOf(repo: string, dir: string): string {
  if (GIT_URL.test(repo)) return repo;
  const local = path.resolve(dir, repo);
  if (!existsSync(local)) {
    throw new FieldError(`repo: '${repo}' is neither a git URL nor a folder (looked at ${local})`);
  }
  return local;
}

function environmentOf(fields: Record<string, unknown>, dir: string): TaskEnvironment {
  const image = optionalText(fields, 'image');
  const folder = optionalText(fields, 'environment');
  if (image && folder) throw new FieldError('environment and image: give one of them, not both');
  if (image) return { kind: 'image', ref: image };
  if (!folder) throw new FieldError('environment: missing (a folder with a Dockerfile, or image: a local image)');
  const envDir = path.resolve(dir, folder);
  if (!existsSync(path.join(envDir, 'Dockerfile')) || !statSync(envDir).isDirectory()) {
    throw new FieldError(`environment: '${folder}' is not a folder with a Dockerfile (looked at ${envDir})`);
  }
  return { kind: 'dockerfile', dir: envDir };
}
