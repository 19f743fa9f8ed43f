// Public surface of the line protocol parser: parse a /write body, format 1.6.7's errors.
// Pure; nothing here performs I/O or reads the clock.

export {
  parseLineProtocol,
  MAX_KEY_LENGTH,
  MIN_TIME_NS,
  MAX_TIME_NS,
  type LineError,
  type ParseOptions,
  type ParseResult,
} from './parser.js';
export { formatLineError, formatPartialWriteMessage, type PartialWriteOptions } from './partial-write.js';
export { isPrecision, precisionFromQuery, precisionMultiplierNs, type Precision } from './precision.js';
export {
  escapeFieldKey,
  escapeMeasurement,
  escapeStringField,
  escapeTag,
  unescapeFieldKey,
  unescapeMeasurement,
  unescapeStringField,
  unescapeTag,
} from './escape.js';
export { formatPoint } from './format.js';
