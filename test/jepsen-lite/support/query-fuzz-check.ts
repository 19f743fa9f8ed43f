// Sends one fuzz request to /query and judges the answer: 200 with InfluxDB results (JSON, NDJSON when
// chunked, CSV when asked) or 400 with {"error": "..."} (a CSV error document when CSV was asked). It never retries and never waits past its deadline.

import { request } from 'undici';
import type { FuzzRequest } from './query-fuzz-gen.js';

export interface FuzzAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly elapsedMs: number;
}

function firstParam(req: FuzzRequest, name: string): string | undefined {
  return req.params.find(([k]) => k === name)?.[1];
}

/** InfluxDB 1.x compares the whole Accept header: only these two exact values ask for CSV. */
function wantsCsv(req: FuzzRequest): boolean {
  return req.accept === 'application/csv' || req.accept === 'text/csv';
}

/** Sends the request; transport failures and the deadline reject. */
export async function sendFuzzRequest(url: string, req: FuzzRequest, timeoutMs: number): Promise<FuzzAnswer> {
  const encoded = new URLSearchParams(req.params as Array<[string, string]>).toString();
  const headers: Record<string, string> = {};
  if (req.accept !== null) headers['accept'] = req.accept;
  if (req.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const target = req.form ? `${url}/query` : `${url}/query?${encoded}`;
  const started = performance.now();
  const res = await request(target, {
    method: req.method,
    headers,
    signal: AbortSignal.timeout(timeoutMs),
    ...(req.form ? { body: encoded } : {}),
  });
  const body = await res.body.text();
  const contentType = String(res.headers['content-type'] ?? '');
  return { status: res.statusCode, contentType, body, elapsedMs: performance.now() - started };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkSeries(series: unknown, where: string): string | undefined {
  if (!isObject(series)) return `${where} is not an object`;
  const { name, tags, columns, values, partial } = series;
  if (name !== undefined && typeof name !== 'string') return `${where}.name is not a string`;
  if (tags !== undefined && (!isObject(tags) || Object.values(tags).some((v) => typeof v !== 'string'))) return `${where}.tags is not a string map`;
  if (partial !== undefined && partial !== true) return `${where}.partial is not true`;
  if (columns === undefined) return values === undefined ? undefined : `${where} has values but no columns`;
  if (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string')) return `${where}.columns is not a string array`;
  if (values === undefined) return undefined;
  if (!Array.isArray(values)) return `${where}.values is not an array`;
  const bad = values.findIndex((row) => !Array.isArray(row) || row.length !== columns.length);
  return bad < 0 ? undefined : `${where}.values[${bad}] does not have ${columns.length} cells`;
}

function checkResult(result: unknown, where: string): string | undefined {
  if (!isObject(result)) return `${where} is not an object`;
  const { statement_id: id, series, error, messages, partial } = result;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) return `${where}.statement_id is not a statement number`;
  if (error !== undefined && (typeof error !== 'string' || error === '')) return `${where}.error is not a message`;
  if (partial !== undefined && partial !== true) return `${where}.partial is not true`;
  if (messages !== undefined && (!Array.isArray(messages) || messages.some((m) => !isObject(m) || typeof m['text'] !== 'string'))) {
    return `${where}.messages is malformed`;
  }
  if (series === undefined) return undefined;
  if (!Array.isArray(series) || series.length === 0) return `${where}.series is not a non-empty array`;
  for (const [i, s] of series.entries()) {
    const problem = checkSeries(s, `${where}.series[${i}]`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** `{"results":[...]}` or `{}` (a query of only semicolons), as InfluxDB 1.x writes them. */
export function checkResultsDocument(text: string, where: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return `${where} is not JSON: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (!isObject(doc)) return `${where} is not a JSON object`;
  const extra = Object.keys(doc).filter((k) => k !== 'results');
  if (extra.length > 0) return `${where} has unexpected keys ${extra.join(', ')}`;
  if (doc['results'] === undefined) return undefined;
  if (!Array.isArray(doc['results'])) return `${where}.results is not an array`;
  for (const [i, r] of doc['results'].entries()) {
    const problem = checkResult(r, `${where}.results[${i}]`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function checkErrorDocument(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return '400 body is not JSON';
  }
  if (!isObject(doc) || Object.keys(doc).join() !== 'error' || typeof doc['error'] !== 'string' || doc['error'] === '') {
    return '400 body is not {"error": "<message>"}';
  }
  return undefined;
}

/** Undefined when the answer is acceptable, else what is wrong with it. */
export function judgeAnswer(req: FuzzRequest, answer: FuzzAnswer): string | undefined {
  if (answer.status === 400) {
    // Errors come in the asked encoding: CSV as the document `error\n<message>\n`.
    if (wantsCsv(req)) return answer.contentType === 'text/csv' && /^error\n.+\n$/s.test(answer.body) ? undefined : `400 CSV error is not 1.x's error document (${answer.contentType})`;
    if (!answer.contentType.startsWith('application/json')) return `400 with content-type ${answer.contentType}`;
    return checkErrorDocument(answer.body);
  }
  if (answer.status !== 200) return `status ${answer.status}`;
  if (wantsCsv(req)) return answer.contentType === 'text/csv' ? undefined : `CSV asked, got ${answer.contentType}`;
  if (!answer.contentType.startsWith('application/json')) return `200 with content-type ${answer.contentType}`;
  if (firstParam(req, 'chunked') !== 'true') return checkResultsDocument(answer.body, 'body');
  if (answer.body !== '' && !answer.body.endsWith('\n')) return 'chunked body does not end with a newline';
  const lines = answer.body.split('\n').slice(0, -1);
  for (const [i, line] of lines.entries()) {
    const problem = checkResultsDocument(line, `chunk ${i}`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

/** The request as a reader (or curl) needs it: method, URL or form fields, Accept. */
export function describeRequest(url: string, req: FuzzRequest): string {
  const fields = req.params.map(([k, v]) => `  ${k} = ${clip(JSON.stringify(v), 2000)}`).join('\n');
  const how = req.form ? 'form body' : 'URL parameters';
  return `${req.method} ${url}/query (${how})${req.accept !== null ? `, Accept: ${req.accept}` : ''}\n${fields}`;
}

export function describeAnswer(answer: FuzzAnswer): string {
  return `HTTP ${answer.status} (${answer.contentType || 'no content-type'}) after ${Math.round(answer.elapsedMs)} ms:\n  ${clip(answer.body, 2000)}`;
}
