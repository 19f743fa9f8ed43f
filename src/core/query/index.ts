// Public surface of the query layer: parse InfluxQL, execute it through a QueryPort, and
// encode results exactly as InfluxDB 1.x does (JSON, CSV, chunked JSON).

export type * from './ast.js';
export { parseQuery, parseSelect, PARSE_ERROR_PREFIX } from './parser.js';
export { executeQuery, executeStatement, DEFAULT_MAX_SELECT_BUCKETS, NOT_EXECUTED, type ExecuteOptions } from './executor.js';
export { formatResultsJson, formatResultsJsonPieces, formatResultsChunked, formatResultsChunkedLines, resultRowCount, formatErrorJson, formatTime, goJsonString, goJsonFloat, type Epoch, type FormatOptions } from './format-json.js';
export { formatResultsCsv, formatResultsCsvPieces } from './format-csv.js';
export type { Series, StatementResult, Message } from './result.js';
export type { QueryPort, SqlResult, MetaCommand, RetentionPolicySpec } from './query-port.js';
export { readOnlyWarning, writeStatementText, exprText } from './statement-text.js';
