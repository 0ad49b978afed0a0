// A folder of Harbor / Terminal-Bench tasks (or one task folder): instruction.md (the agent's input), task.toml
// (timeouts, resources, network), environment/Dockerfile (the image the tests run in) and tests/test.sh (the
// verifier: its reward file, /logs/verifier/reward.txt or reward.json, decides; without one, its exit code).
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { BenchTask, Dataset, TaskProblem } from './types.js';
import { DEFAULT_EVAL_TIMEOUT_MS } from './types.js';
import { FieldError, isObject, optionalBool, optionalPositive, optionalSeconds, taskId } from './fields.js';

export async function readHarborDataset(dir: string): Promise<Dataset> {
  const folders = existsSync(path.join(dir, 'task.toml'))
    ? [dir]
    : (await fs.readdir(dir, { withFileTypes: true }))
        .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
        .map((e) => path.join(dir, e.name))
        .sort();
  const tasks: BenchTask[] = [];
  const problems: TaskProblem[] = [];
  for (const folder of folders) {
    try {
      tasks.push(await readTask(folder));
    } catch (err) {
      if (err instanceof TaskError) problems.push({ where: err.where, message: err.message });
      else if (err instanceof FieldError) problems.push({ where: folder, message: err.message });
      else throw err;
    }
  }
  return { path: dir, format: 'harbor', tasks, problems };
}

class TaskError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(message);
  }
}

async function readTask(folder: string): Promise<BenchTask> {
  const id = taskId(path.basename(path.resolve(folder)), 'task folder name');
  const tomlFile = path.join(folder, 'task.toml');
  if (!existsSync(tomlFile)) throw new TaskError(folder, 'not a task: no task.toml');
  const config = parseConfig(tomlFile, await fs.readFile(tomlFile, 'utf8'));
  const instruction = await fs.readFile(path.join(folder, 'instruction.md'), 'utf8').catch(() => '');
  if (instruction.trim() === '') throw new TaskError(folder, 'instruction.md: missing or empty');
  // Absolute: these folders are mounted into containers.
  const envDir = path.resolve(folder, 'environment');
  if (!existsSync(path.join(envDir, 'Dockerfile'))) throw new TaskError(folder, 'environment/Dockerfile: missing');
  const testsDir = path.resolve(folder, 'tests');
  if (!existsSync(path.join(testsDir, 'test.sh'))) throw new TaskError(folder, 'tests/test.sh: missing');
  let limits: Limits;
  try {
    limits = limitsOf(config);
  } catch (err) {
    if (err instanceof FieldError) throw new TaskError(tomlFile, err.message);
    throw err;
  }
  const { agentTimeoutMs, evalTimeoutMs, memoryMb, cpus, allowInternet } = limits;
  return {
    id,
    format: 'harbor',
    where: folder,
    instruction,
    source: { kind: 'folder', dir: envDir, exclude: ['Dockerfile'] },
    environment: { kind: 'dockerfile', dir: envDir },
    judge: { kind: 'script', testsDir },
    allowInternet,
    ...(agentTimeoutMs ? { agentTimeoutMs } : {}),
    evalTimeoutMs: evalTimeoutMs ?? DEFAULT_EVAL_TIMEOUT_MS,
    ...(memoryMb ? { memoryBytes: Math.round(memoryMb * 1024 * 1024) } : {}),
    ...(cpus ? { cpus } : {}),
  };
}

interface Limits {
  agentTimeoutMs: number | undefined;
  evalTimeoutMs: number | undefined;
  memoryMb: number | undefined;
  cpus: number | undefined;
  allowInternet: boolean;
}

function limitsOf(config: Record<string, unknown>): Limits {
  const section = (name: string): Record<string, unknown> => {
    const value = config[name];
    if (value === undefined) return {};
    if (!isObject(value)) throw new FieldError(`[${name}]: expected a table`);
    return value;
  };
  const env = section('environment');
  const within = <T>(name: string, read: () => T): T => {
    try {
      return read();
    } catch (err) {
      if (err instanceof FieldError) throw new FieldError(`[${name}] ${err.message}`);
      throw err;
    }
  };
  return {
    agentTimeoutMs: within('agent', () => optionalSeconds(section('agent'), 'timeout_sec')),
    evalTimeoutMs: within('verifier', () => optionalSeconds(section('verifier'), 'timeout_sec')),
    memoryMb: within('environment', () => optionalPositive(env, 'memory_mb') ?? memoryOf(env.memory)),
    cpus: within('environment', () => optionalPositive(env, 'cpus')),
    allowInternet: within('environment', () => optionalBool(env, 'allow_internet')) ?? false,
  };
}

function parseConfig(file: string, source: string): Record<string, unknown> {
  try {
    return parseToml(source);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const first = err.message.split('\n')[0] ?? err.message;
    throw new TaskError(`${file}:${err.line}`, first.replace(/^Invalid TOML document: /, 'invalid TOML: '));
  }
}

/** Harbor's older spelling: memory = "2G" / "512M". */
function memoryOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*([MG])B?$/i.exec(value) : null;
  if (!match) throw new FieldError(`memory: expected a size like "2G" or "512M" (got ${JSON.stringify(value)})`);
  return Number(match[1]) * (match[2]?.toUpperCase() === 'G' ? 1024 : 1);
}
