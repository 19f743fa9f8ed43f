// Builds the effective Config from defaults < config file < HYPERBYTEDB__* env < CLI flags, or throws a
// ConfigError naming every bad key. It reads only the file it is given; the caller passes the environment in.

import { extname } from 'node:path';
import type { Config } from './config-types.js';
import {
  checkRelations,
  createConvictConfig,
  ENV_PREFIX,
  envNameOf,
  schemaKeys,
  toConfig,
  type RawConfig,
} from './config-schema.js';

/** Start-up cannot go on; `problems` holds one "key: what is wrong; got …" line each. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.length === 1 ? `invalid configuration: ${problems[0]}` : `invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Command-line overrides; strings are parsed like env values. */
export interface ConfigFlags {
  readonly port?: string | number | undefined;
  readonly bindAddress?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly logLevel?: string | undefined;
  /** Comma-separated members to ask for admission (cluster.join). */
  readonly join?: string | undefined;
}

const FLAG_SETTINGS: ReadonlyArray<readonly [keyof ConfigFlags, string, string]> = [
  ['port', 'server.port', '--port'],
  ['bindAddress', 'server.bind_address', '--bind'],
  ['dataDir', 'storage.data_dir', '--data-dir'],
  ['logLevel', 'logging.level', '--log-level'],
  ['join', 'cluster.join', '--join'],
];

export interface LoadConfigOptions {
  readonly configFile?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly flags?: ConfigFlags | undefined;
}

const CONFIG_FILE_EXTENSIONS = ['.toml', '.conf'];

export function loadConfig(options: LoadConfigOptions): Config {
  const { configFile, env, flags = {} } = options;
  const keys = schemaKeys();
  const problems = unknownEnvNames(env, keys);
  const convictConfig = createConvictConfig(env);
  /** Where a key's value came from, so an error points at the thing to fix. */
  const sources = new Map<string, string>();

  if (configFile !== undefined) problems.push(...loadFileInto(convictConfig, configFile));
  for (const [section, sectionKeys] of keys) {
    for (const key of sectionKeys) {
      const envName = envNameOf(section, key);
      if (env[envName] !== undefined) sources.set(`${section}.${key}`, `from ${envName}`);
    }
  }
  for (const [flag, path, flagName] of FLAG_SETTINGS) {
    const value = flags[flag];
    if (value === undefined) continue;
    convictConfig.set(path, String(value));
    sources.set(path, `from ${flagName}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const raw = convictConfig.getProperties();
  // Defaults are valid, so a bad value not set by env or a flag came from the file.
  const fallbackSource = configFile === undefined ? undefined : `in ${configFile}`;
  const annotate = (line: string): string => withSource(line, sources, fallbackSource);
  const shapeProblems = checkShape(raw, keys, configFile);
  // With unknown keys already reported, 'warn' still reports every bad value in the same run.
  const valueProblems = validateValues(convictConfig, shapeProblems.length === 0 ? 'strict' : 'warn').map(annotate);
  if (shapeProblems.length + valueProblems.length > 0) throw new ConfigError([...shapeProblems, ...valueProblems]);
  const relationProblems = checkRelations(raw);
  if (relationProblems.length > 0) throw new ConfigError(relationProblems);
  return toConfig(raw);
}

function loadFileInto(convictConfig: ReturnType<typeof createConvictConfig>, configFile: string): string[] {
  if (!CONFIG_FILE_EXTENSIONS.includes(extname(configFile).toLowerCase())) {
    return [`config file ${configFile}: must be TOML named *.toml or *.conf`];
  }
  try {
    convictConfig.loadFile(configFile);
    return [];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [`config file ${configFile}: not found`];
    return [`config file ${configFile}: ${String((error as Error).message).trim()}`];
  }
}

function validateValues(convictConfig: ReturnType<typeof createConvictConfig>, allowed: 'strict' | 'warn'): string[] {
  try {
    convictConfig.validate({ allowed, output: () => {} });
    return [];
  } catch (error) {
    const lines = String((error as Error).message).split('\n');
    // "configuration param 'x' missing …" only follows from a section that is not a table, reported by checkShape.
    return allowed === 'strict' ? lines : lines.filter((line) => !line.startsWith('configuration param '));
  }
}

function unknownEnvNames(env: NodeJS.ProcessEnv, keys: ReadonlyMap<string, readonly string[]>): string[] {
  const known = new Set<string>();
  for (const [section, sectionKeys] of keys) for (const key of sectionKeys) known.add(envNameOf(section, key));
  return Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && !known.has(name))
    .sort()
    .map((name) => `${name}: unknown setting; names are ${ENV_PREFIX}<SECTION>__<KEY>, e.g. ${envNameOf('server', 'port')}`);
}

/** Unknown sections and keys, and sections that are not tables: convict's own messages for these are cryptic. */
function checkShape(raw: RawConfig, keys: ReadonlyMap<string, readonly string[]>, configFile: string | undefined): string[] {
  const where = configFile === undefined ? '' : ` in ${configFile}`;
  const problems: string[] = [];
  for (const [section, value] of Object.entries(raw as unknown as Record<string, unknown>)) {
    const sectionKeys = keys.get(section);
    if (sectionKeys === undefined) {
      problems.push(`${section}: unknown section${where}; sections are ${[...keys.keys()].join(', ')}`);
    } else if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${section}: must be a table [${section}]${where}; got ${JSON.stringify(value)}`);
    } else {
      for (const key of Object.keys(value)) {
        if (!sectionKeys.includes(key)) {
          problems.push(`${section}.${key}: unknown key${where}; [${section}] accepts ${sectionKeys.join(', ')}`);
        }
      }
    }
  }
  return problems;
}

/** convict reports each problem as "section.key: message"; add where the value came from. */
function withSource(line: string, sources: ReadonlyMap<string, string>, fallback: string | undefined): string {
  const path = /^([a-z_]+\.[a-z_]+): /.exec(line)?.[1];
  const source = path === undefined ? undefined : (sources.get(path) ?? fallback);
  return source === undefined ? line : `${line} (${source})`;
}
