// Reads a multipart/form-data body (`curl -F "q=@queries.txt"`, InfluxDB's documented way of
// sending a file of statements) into its text fields and file contents. Never throws: a body
// that does not parse yields no fields, as Go's FormValue ignores a broken multipart body.

export interface MultipartForm {
  /** Text fields, every value of a name in order. */
  readonly values: ReadonlyMap<string, readonly string[]>;
  /** The contents of file fields as UTF-8 text, every file of a name in order. */
  readonly files: ReadonlyMap<string, readonly string[]>;
}

const EMPTY: MultipartForm = { values: new Map(), files: new Map() };

export function isMultipartForm(contentType: string | undefined): boolean {
  return contentType !== undefined && /^\s*multipart\/form-data\s*(;|$)/i.test(contentType);
}

/** The body is already read and bounded by the server's body limit; undici's parser does the rest. */
export async function readMultipartForm(body: Buffer, contentType: string): Promise<MultipartForm> {
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    return EMPTY;
  }
  const values = new Map<string, string[]>();
  const files = new Map<string, string[]>();
  for (const [name, entry] of form) {
    if (typeof entry === 'string') push(values, name, entry);
    else push(files, name, await entry.text());
  }
  return { values, files };
}

function push(map: Map<string, string[]>, name: string, value: string): void {
  const list = map.get(name);
  if (list === undefined) map.set(name, [value]);
  else list.push(value);
}
