// The logging surface raft needs: a pino-compatible subset, so callers pass a pino child logger.
// Raft never logs secrets or entry payloads.

export interface RaftLogger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

const noop = (): void => undefined;

export const silentLogger: RaftLogger = { debug: noop, info: noop, warn: noop, error: noop };
