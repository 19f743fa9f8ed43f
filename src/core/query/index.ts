// Public surface of the query layer: parse InfluxQL, execute it through a QueryPort, and
// shape them as InfluxDB 1.x results (the wire encoders live in src/http/encode).

export type * from './language/ast.js';
export { parseQuery, parseSelect, PARSE_ERROR_PREFIX } from './language/parser.js';
export { executeQuery, executeStatement, DEFAULT_MAX_SELECT_BUCKETS, NOT_EXECUTED, type ExecuteOptions } from './execute/executor.js';
export type { Series, StatementResult, Message, ResultSink } from './execute/result.js';
export { INTERNAL_STATEMENT_ERROR } from './execute/result.js';
export type { QueryPort, SqlResult, MetaCommand, RetentionPolicySpec } from './execute/query-port.js';
export { readOnlyWarning, writeStatementText, exprText } from './language/statement-text.js';
export { formatRfc3339Nano } from './language/time-literal.js';
export { zoneOffsetSeconds } from './language/time-zone.js';
