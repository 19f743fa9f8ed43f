// The public library surface of hyperbytedb: open an engine, write line protocol, run queries.
// Nothing here starts an HTTP server; src/http and src/cli wrap this.

export { openEngine, type Engine, type DataCopyPort, type EngineDeps, type EngineHealth, type WriteRequest, type WriteResult, type QueryRequest } from './engine.js';
export { defaultEngineOptions, validateEngineOptions, type EngineOptions } from './options.js';
export * from './errors.js';
export type { Point, FieldType, FieldValue } from './model/point.js';
export type { StatementResult, ResultSink, Series } from './query/index.js';
