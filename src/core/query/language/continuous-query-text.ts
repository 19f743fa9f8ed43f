// The text InfluxDB 1.6.7 stores for a continuous query and SHOW CONTINUOUS QUERIES prints:
// influxql's CreateContinuousQueryStatement.String() of the statement with its measurements
// qualified. Pure; the text parses back to the same statement.

import type { StatementOf } from './ast.js';
import { statementString } from './statement-string.js';

export function continuousQueryText(statement: StatementOf<'create-continuous-query'>): string {
  return statementString(statement);
}
