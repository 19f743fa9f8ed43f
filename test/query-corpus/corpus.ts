// Reads the InfluxQL corpus (*.txt here), runs its queries over HTTP and reads/writes the golden answers.
// Shared by record.ts, the differential test and docs; it never starts servers itself.
import { readdirSync, readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { formatJsonNode, parseJsonPreserving, parseResponseBody, type JsonNode, type QueryResponse } from '../support/compare.js';
import { corpusDb, corpusDatasetLines, loadLines } from '../support/dataset.js';

export const corpusDir = dirname(fileURLToPath(import.meta.url));
export const expectedDir = join(corpusDir, 'expected');

/** Scratch database the DDL group may mutate; loaded with a slice of the dataset. */
export const scratchDb = 'scratch';

export interface CorpusEntry {
  readonly id: string;
  /** File stem, e.g. `10-selectors`; also the golden file's name. */
  readonly group: string;
  readonly line: number;
  readonly query: string;
  /** Database parameter; null sends none. */
  readonly db: string | null;
  readonly epoch: string | null;
  readonly method: 'GET' | 'POST';
  /** POST the parameters as an x-www-form-urlencoded body instead of the URL. */
  readonly form: boolean;
  /** Extra raw URL parameters, e.g. `rp=autogen`. */
  readonly params: ReadonlyArray<readonly [string, string]>;
  /** Send no `q` parameter at all. */
  readonly omitQ: boolean;
  /** Accept header, e.g. `application/csv`; null sends none. */
  readonly accept: string | null;
  /** A write, not a query: the text (`\n` between lines) is POSTed to /write with db and the params. */
  readonly write: boolean;
}

const idPattern = /^[a-z0-9][a-z0-9._-]*$/;

function parseOptions(text: string, where: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(';')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new Error(`${where}: bad option ${JSON.stringify(trimmed)}`);
    out.set(trimmed.slice(0, eq), trimmed.slice(eq + 1));
  }
  return out;
}

/**
 * One query per line: `<id> [opt=v;opt=v] <InfluxQL>`; `#` starts a comment line.
 * Options: db=<name>|none, epoch=<ns|u|ms|s|m|h>, method=GET|POST, form=1, noq=1 (send no q),
 * accept=<mime type>, param.<name>=<value>, write=1 (the text is line protocol, `\n` between lines,
 * POSTed to /write with db and the params). A query written as `""` is sent as the empty string.
 */
export function parseCorpusFile(group: string, text: string): CorpusEntry[] {
  const entries: CorpusEntry[] = [];
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `${group}.txt:${i + 1}`;
    const space = line.indexOf(' ');
    if (space < 0) throw new Error(`${where}: missing query`);
    const id = line.slice(0, space);
    if (!idPattern.test(id)) throw new Error(`${where}: bad id ${JSON.stringify(id)}`);
    let rest = line.slice(space + 1).trimStart();
    let options = new Map<string, string>();
    if (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      if (close < 0) throw new Error(`${where}: unterminated options`);
      options = parseOptions(rest.slice(1, close), where);
      rest = rest.slice(close + 1).trimStart();
    }
    const dbOption = options.get('db') ?? corpusDb;
    const method = options.get('method') ?? 'GET';
    if (method !== 'GET' && method !== 'POST') throw new Error(`${where}: bad method ${method}`);
    const params: Array<readonly [string, string]> = [];
    for (const [k, v] of options) if (k.startsWith('param.')) params.push([k.slice(6), v]);
    entries.push({
      id,
      group,
      line: i + 1,
      query: rest === '""' ? '' : rest,
      db: dbOption === 'none' ? null : dbOption,
      epoch: options.get('epoch') ?? null,
      method,
      form: options.get('form') === '1',
      params,
      omitQ: options.get('noq') === '1',
      accept: options.get('accept') ?? null,
      write: options.get('write') === '1',
    });
  }
  return entries;
}

/** All corpus entries, files in name order; throws on duplicate ids. */
export function loadCorpus(dir = corpusDir): CorpusEntry[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  const all: CorpusEntry[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const group = file.slice(0, -4);
    for (const entry of parseCorpusFile(group, readFileSync(join(dir, file), 'utf8'))) {
      if (seen.has(entry.id)) throw new Error(`duplicate corpus id ${entry.id} in ${file}`);
      seen.add(entry.id);
      all.push(entry);
    }
  }
  return all;
}

export interface RawResponse {
  readonly status: number;
  readonly body: string;
}

/** Sends one corpus query; the answer is kept as raw text so nothing is lost before comparing. */
export async function runCorpusQuery(url: string, entry: CorpusEntry, timeoutMs = 30_000): Promise<RawResponse> {
  if (entry.write) return runCorpusWrite(url, entry, timeoutMs);
  const params = new URLSearchParams();
  if (entry.db !== null) params.set('db', entry.db);
  if (!entry.omitQ) params.set('q', entry.query);
  if (entry.epoch !== null) params.set('epoch', entry.epoch);
  for (const [k, v] of entry.params) params.set(k, v);
  const target = entry.form ? `${url}/query` : `${url}/query?${params.toString()}`;
  const headers: Record<string, string> = {};
  if (entry.accept !== null) headers['accept'] = entry.accept;
  if (entry.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await request(target, {
    method: entry.method,
    headers,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    ...(entry.form ? { body: params.toString() } : {}),
  });
  return { status: res.statusCode, body: await res.body.text() };
}

/** Sends a corpus write: line protocol with `\n` escapes turned into newlines. */
async function runCorpusWrite(url: string, entry: CorpusEntry, timeoutMs: number): Promise<RawResponse> {
  const params = new URLSearchParams();
  if (entry.db !== null) params.set('db', entry.db);
  for (const [k, v] of entry.params) params.set(k, v);
  const res = await request(`${url}/write?${params.toString()}`, {
    method: 'POST',
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    body: entry.query.replace(/\\n/g, '\n'),
  });
  return { status: res.statusCode, body: await res.body.text() };
}

/** Loads the corpus dataset into `corpus` and a slice of it into `scratch` (for DDL/DELETE queries). */
export async function setupCorpusData(url: string): Promise<void> {
  const lines = corpusDatasetLines();
  await loadLines({ url, db: corpusDb, lines });
  const slice = lines.filter((l) => l.startsWith('cpu,') && (l.includes('host=server01') || l.includes('host=server02'))).slice(0, 100);
  const memSlice = lines.filter((l) => l.startsWith('mem,')).slice(0, 30);
  const diskSlice = lines.filter((l) => l.startsWith('disk,')).slice(0, 30);
  await loadLines({ url, db: scratchDb, lines: [...slice, ...memSlice, ...diskSlice] });
}

export interface GoldenEntry {
  readonly query: string;
  readonly response: QueryResponse;
}

function responseToNode(r: RawResponse): JsonNode {
  const parsed = parseResponseBody(r.body);
  const body: JsonNode = typeof parsed === 'string' ? { kind: 'string', value: parsed } : parsed;
  return {
    kind: 'object',
    entries: [
      ['status', { kind: 'number', text: String(r.status) }],
      ['body', body],
    ],
  };
}

/** Writes expected/<group>.json: `{ id: { q, status, body } }`, body kept verbatim (key order, number text). */
export function writeGoldenGroup(group: string, rows: ReadonlyArray<{ entry: CorpusEntry; response: RawResponse }>): void {
  if (!existsSync(expectedDir)) mkdirSync(expectedDir, { recursive: true });
  const node: JsonNode = {
    kind: 'object',
    entries: rows.map(({ entry, response }) => {
      const r = responseToNode(response);
      const entries = r.kind === 'object' ? r.entries : [];
      return [entry.id, { kind: 'object', entries: [['q', { kind: 'string', value: entry.query }], ...entries] }] as const;
    }),
  };
  writeFileSync(join(expectedDir, `${group}.json`), formatJsonNode(node) + '\n');
}

/** Reads every golden file into id → { query, response }. A JSON string body means a non-JSON answer. */
export function readGoldens(): Map<string, GoldenEntry> {
  const out = new Map<string, GoldenEntry>();
  if (!existsSync(expectedDir)) return out;
  for (const file of readdirSync(expectedDir).filter((f) => f.endsWith('.json')).sort()) {
    const root = parseJsonPreserving(readFileSync(join(expectedDir, file), 'utf8'));
    if (root.kind !== 'object') throw new Error(`${file}: not an object`);
    for (const [id, value] of root.entries) {
      if (value.kind !== 'object') throw new Error(`${file}: ${id} is not an object`);
      const fields = new Map(value.entries);
      const q = fields.get('q');
      const status = fields.get('status');
      const body = fields.get('body');
      if (q?.kind !== 'string' || status?.kind !== 'number' || body === undefined) throw new Error(`${file}: ${id} is malformed`);
      out.set(id, {
        query: q.value,
        response: { status: Number(status.text), body: body.kind === 'string' ? body.value : body },
      });
    }
  }
  return out;
}

/** Reads a JSON data file next to the corpus (known-differences.json, required.json). */
export function readCorpusJson<T>(name: string): T {
  return JSON.parse(readFileSync(join(corpusDir, name), 'utf8')) as T;
}

export interface RunCorpusOptions {
  readonly timeoutMs?: number;
  /** Checked before each query; when it returns a reason the remaining queries are not sent. */
  readonly abortReason?: () => string | undefined;
}

/** Runs every entry in order; transport failures become status 0 answers instead of exceptions. */
export async function runCorpus(url: string, corpus: readonly CorpusEntry[], options: RunCorpusOptions = {}): Promise<Map<string, RawResponse>> {
  const out = new Map<string, RawResponse>();
  for (const entry of corpus) {
    const reason = options.abortReason?.();
    if (reason !== undefined) {
      out.set(entry.id, { status: 0, body: `not sent: ${reason}` });
      continue;
    }
    try {
      out.set(entry.id, await runCorpusQuery(url, entry, options.timeoutMs ?? 30_000));
    } catch (err) {
      out.set(entry.id, { status: 0, body: `request failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  return out;
}
