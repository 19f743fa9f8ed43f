// ClickHouse type names, as chDB reports them for result columns: `Array(Nullable(Float64))`,
// `DateTime64(9, 'UTC')`. Pure text handling.

/** A parsed type name: `Array(Nullable(Float64))` is Array with one argument. */
export interface TypeName {
  readonly name: string;
  readonly args: readonly string[];
}

/** Splits `A, B(C, D), 'x,y'` at its top-level commas. */
export function splitTypeArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === "'") quoted = false;
    } else if (ch === "'") quoted = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last !== '' || out.length > 0) out.push(last);
  return out;
}

/** The type's name and arguments; undefined for text that is not a type name. */
export function parseTypeName(type: string): TypeName | undefined {
  const open = type.indexOf('(');
  if (open < 0) return { name: type.trim(), args: [] };
  if (!type.endsWith(')')) return undefined;
  return { name: type.slice(0, open).trim(), args: splitTypeArgs(type.slice(open + 1, -1)) };
}
