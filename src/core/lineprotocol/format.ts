// Point → one line of line protocol (no newline), the inverse of the parser for representable points.
// Pure; used by tests and anything that forwards points as text.

import type { Point } from '../model/point.js';
import { escapeFieldKey, escapeMeasurement, escapeStringField, escapeTag } from './escape.js';

export function formatPoint(point: Point): string {
  let line = escapeMeasurement(point.measurement);
  for (let t = 0; t + 1 < point.tags.length; t += 2) {
    line += `,${escapeTag(point.tags[t]!)}=${escapeTag(point.tags[t + 1]!)}`;
  }
  for (let f = 0; f < point.fieldKeys.length; f++) {
    line += `${f === 0 ? ' ' : ','}${escapeFieldKey(point.fieldKeys[f]!)}=`;
    const value = point.fieldValues[f]!;
    switch (point.fieldTypes[f]) {
      case 'float':
        line += formatFloat(value as number);
        break;
      case 'integer':
        line += `${String(value)}i`;
        break;
      case 'unsigned':
        line += `${String(value)}u`;
        break;
      case 'boolean':
        line += value ? 'true' : 'false';
        break;
      default:
        line += `"${escapeStringField(String(value))}"`;
    }
  }
  return point.timeNs === null ? line : `${line} ${point.timeNs}`;
}

/** Shortest round-trip text the parser accepts (`1e+21` → `1e21`, `-0` kept). */
function formatFloat(value: number): string {
  if (Object.is(value, -0)) return '-0';
  return String(value).replace('e+', 'e');
}
