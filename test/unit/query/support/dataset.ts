// A small deterministic dataset shared by the query tests and the InfluxDB differential test:
// the same rows load into chDB (via ChdbQueryPort) and into influxd (as line protocol).

import type { FieldType } from '../../../../src/core/model/point.js';
import type { ChdbQueryPort, TestRow } from './chdb-query-port.js';

export interface MeasurementData {
  readonly name: string;
  readonly tagKeys: readonly string[];
  readonly fields: Readonly<Record<string, FieldType>>;
  readonly rows: readonly TestRow[];
}

const S = 1_000_000_000n;

function cpuRows(): TestRow[] {
  const rows: TestRow[] = [];
  const hosts = ['a', 'b', 'c'];
  for (let i = 0; i < 24; i++) {
    const host = hosts[i % 3] ?? 'a';
    const tags: Record<string, string> = { host };
    if (host !== 'c') tags['region'] = host === 'a' ? 'us' : 'eu';
    const fields: Record<string, number | bigint | string | boolean> = { value: ((i * 7) % 11) + 0.5 * (i % 2), i: BigInt((i * 5) % 9) - 2n };
    if (i % 4 === 0) fields['s'] = `s${i % 3}`;
    if (i % 5 === 0) fields['b'] = i % 2 === 0;
    rows.push({ timeNs: BigInt(i) * 10n * S, tags, fields });
  }
  return rows;
}

export const DATASET: readonly MeasurementData[] = [
  { name: 'cpu', tagKeys: ['host', 'region'], fields: { value: 'float', i: 'integer', s: 'string', b: 'boolean' }, rows: cpuRows() },
  {
    name: 'mem',
    tagKeys: ['host'],
    fields: { free: 'integer' },
    rows: [
      { timeNs: 5n * S, tags: { host: 'a' }, fields: { free: 10n } },
      { timeNs: 65n * S, tags: { host: 'b' }, fields: { free: 7n } },
      { timeNs: 125n * S, tags: { host: 'a' }, fields: { free: 3n } },
    ],
  },
  {
    name: 'tzm',
    tagKeys: [],
    fields: { v: 'float' },
    rows: [
      { timeNs: 1_577_836_800n * S, fields: { v: 1 } },
      { timeNs: 1_577_880_000n * S, fields: { v: 2 } },
      { timeNs: 1_577_923_200n * S, fields: { v: 3 } },
    ],
  },
];

function escapeKey(text: string): string {
  return text.replace(/[,= ]/g, (c) => '\\' + c);
}

export function toLineProtocol(data: readonly MeasurementData[]): string {
  const lines: string[] = [];
  for (const m of data) {
    for (const row of m.rows) {
      const tags = Object.keys(row.tags ?? {})
        .sort()
        .map((k) => `,${escapeKey(k)}=${escapeKey(row.tags?.[k] ?? '')}`)
        .join('');
      const fields = Object.entries(row.fields)
        .map(([k, v]) => {
          if (typeof v === 'bigint') return `${escapeKey(k)}=${v}i`;
          if (typeof v === 'string') return `${escapeKey(k)}="${v.replace(/["\\]/g, (c) => '\\' + c)}"`;
          return `${escapeKey(k)}=${String(v)}`;
        })
        .join(',');
      lines.push(`${escapeKey(m.name)}${tags} ${fields} ${row.timeNs}`);
    }
  }
  return lines.join('\n');
}

export async function loadDataset(port: ChdbQueryPort, db: string, data: readonly MeasurementData[] = DATASET): Promise<void> {
  if (!port.dbs.has(db)) port.createDatabase(db);
  for (const m of data) {
    await port.defineMeasurement(db, 'autogen', m.name, m.tagKeys, m.fields);
    await port.insert(db, 'autogen', m.name, m.rows);
  }
}
