// A point-in-time copy of HyperbyteDB's chDB databases: ALTER TABLE … FREEZE hard-links every
// active part into <chdb>/shadow/<name>/ (instant; parts are immutable), and the metadata that
// describes them is read at the same moment. The caller copies the files afterwards, at leisure,
// while inserts and merges go on, then removes the shadow. Never writes into a table.

import { readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ChdbSession } from './chdb-session.js';
import { quoteIdent, quoteString } from './naming.js';

/** One file of the copy: where it is read from now, and its path inside the chDB directory. */
export interface FrozenFile {
  readonly source: string;
  readonly path: string;
  readonly bytes: number;
}

export interface FrozenChdb {
  /** Part files (hard links under shadow/) and the tables' format_version.txt. */
  readonly files: readonly FrozenFile[];
  /** Small metadata files (database and table definitions), read at freeze time. */
  readonly contents: ReadonlyArray<{ readonly path: string; readonly data: Buffer }>;
  /** metadata/<database> links to the database's directory in store/ (relative targets). */
  readonly symlinks: ReadonlyArray<{ readonly path: string; readonly target: string }>;
}

/** Freezes every table of the databases whose name starts with `prefix`. Run while nothing else changes the tables' definitions. */
export async function freezeDatabases(session: ChdbSession, chdbDir: string, name: string, prefix: string): Promise<FrozenChdb> {
  const like = quoteString(`${prefix.replace(/[_%\\]/g, '\\$&')}%`);
  const databases = await session.query(`SELECT name, metadata_path FROM system.databases WHERE name LIKE ${like} ORDER BY name`);
  const tables = await session.query(`SELECT database, name, data_paths FROM system.tables WHERE database LIKE ${like} AND engine LIKE '%MergeTree' ORDER BY database, name`);
  const contents: Array<{ path: string; data: Buffer }> = [];
  const symlinks: Array<{ path: string; target: string }> = [];
  for (const row of databases.rows) {
    const database = String(row[0]);
    contents.push({ path: join('metadata', `${database}.sql`), data: await readFile(join(chdbDir, 'metadata', `${database}.sql`)) });
    const link = join('metadata', database);
    const target = await readlink(join(chdbDir, link)).catch(() => null);
    if (target !== null) symlinks.push({ path: link, target });
    // The database's own directory holds one .sql file per table.
    const metadataDir = relative(chdbDir, join(chdbDir, String(row[1])));
    for (const entry of await readdir(join(chdbDir, metadataDir)).catch(() => [] as string[])) {
      if (entry.endsWith('.sql')) contents.push({ path: join(metadataDir, entry), data: await readFile(join(chdbDir, metadataDir, entry)) });
    }
  }
  const tableDirs: string[] = [];
  for (const row of tables.rows) {
    await session.exec(`ALTER TABLE ${quoteIdent(String(row[0]))}.${quoteIdent(String(row[1]))} FREEZE WITH NAME ${quoteString(name)}`);
    const dataPaths = row[2] as readonly string[];
    for (const dataPath of dataPaths) tableDirs.push(relative(chdbDir, dataPath));
  }
  const files: FrozenFile[] = [];
  for (const tableDir of tableDirs) {
    const format = join(chdbDir, tableDir, 'format_version.txt');
    const formatStat = await stat(format).catch(() => null);
    if (formatStat !== null) files.push({ source: format, path: join(tableDir, 'format_version.txt'), bytes: formatStat.size });
    const shadowDir = join(chdbDir, 'shadow', name, tableDir);
    for (const source of await filesUnder(shadowDir)) files.push({ source, path: join(tableDir, relative(shadowDir, source)), bytes: (await stat(source)).size });
  }
  return { files, contents, symlinks };
}

/** Every regular file below `dir` (none when it does not exist). */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Removes the hard links a freeze made (the parts themselves stay where they are). */
export async function unfreeze(chdbDir: string, name: string): Promise<void> {
  await rm(join(chdbDir, 'shadow', name), { recursive: true, force: true });
}
