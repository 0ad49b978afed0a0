// The event system's public surface. Everything here loads without pino or better-sqlite3: the log file sink
// imports pino only when it is created.
export * from './types.js';
export { EventBus, type EventSink, type EventBusOptions } from './bus.js';
export { terminalSafe, terminalSafeDeep, terminalSafeJson } from './terminal-safe.js';
export { ndjsonSink, type NdjsonSinkOptions } from './sinks/ndjson.js';
export { ttySink, type TtySinkOptions, type TtyStream } from './sinks/tty.js';
export { createLogFileSink, runLogPath, type LogFileSink, type LogFileSinkOptions } from './sinks/logfile.js';
export {
  githubAnnotationSink,
  pipelineLocator,
  type GithubAnnotationSinkOptions,
  type SourceLine,
  type StepLocator,
} from './sinks/github.js';
export { storeSink, type EventAppender, type StoreSinkOptions } from './sinks/store.js';
