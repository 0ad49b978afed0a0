// Manual entry: serve a model script on loopback and log each request.
//   node --import tsx src/model/serve.ts --script defaults/scripts/hello-world.yaml [--port 8787] [--host 127.0.0.1] \
//     [--input TEXT]   (what {{ input }} in the script becomes)
// Prints the URL on stdout (first line), then one line per request on stderr.

import { parseArgs } from 'node:util';
import { WaveError } from '../errors.js';
import { loadModelScript } from './script-load.js';
import { startScriptedModel } from './server.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      script: { type: 'string' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'require-api-key': { type: 'string' },
      input: { type: 'string', default: '' },
    },
  });
  if (!values.script)
    throw new WaveError('usage', 'missing --script FILE', { hint: 'serve.ts --script FILE [--port N]' });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new WaveError('usage', `bad --port ${values.port}`);
  const script = await loadModelScript(values.script);
  const model = await startScriptedModel({
    script,
    host: values.host ?? '127.0.0.1',
    port,
    input: values.input ?? '',
    ...(values['require-api-key'] !== undefined ? { requireApiKey: values['require-api-key'] } : {}),
    onRequest: (r) => {
      const step = r.stepId ? ` step=${r.stepId} attempt=${r.attempt ?? '-'} turn=${r.turnIndex ?? '-'}` : '';
      const note = r.note ? ` — ${r.note}` : '';
      process.stderr.write(`${r.time} ${r.method} ${r.url} → ${r.status} ${r.kind}${step}${note}\n`);
    },
  });
  process.stdout.write(`${model.url}\n`);
  process.stderr.write(`scripted model serving ${values.script} (steps: ${Object.keys(script.steps).join(', ')})\n`);
  const stop = (): void => {
    void model.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  if (err instanceof WaveError) {
    process.stderr.write(`error: ${err.message}\n${err.details.map((d) => `  ${d}\n`).join('')}`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
