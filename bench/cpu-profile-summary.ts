// Summarises V8 .cpuprofile files (node --cpu-prof): the functions with the most self time, one
// table per file. Usage: node --import tsx bench/cpu-profile-summary.ts <file|dir>… [TOP=25]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const TOP = Number(process.env.TOP ?? 25);

function summarise(path: string): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!node) continue;
    const frame = node.callFrame;
    const file = frame.url.replace(/^.*\/(src|node_modules)\//, '$1/');
    const name = `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
    selfUs.set(name, (selfUs.get(name) ?? 0) + delta);
    totalUs += delta;
  }
  const idle = (selfUs.get('(idle)') ?? 0) + (selfUs.get('(program)') ?? 0);
  const rows = [...selfUs.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  const lines = rows.map(([name, us]) => `${(us / 1000).toFixed(0).padStart(8)} ms ${((us / totalUs) * 100).toFixed(1).padStart(5)}%  ${name}`);
  return `${path}: ${(totalUs / 1e6).toFixed(1)} s sampled, ${(((totalUs - idle) / 1e6)).toFixed(1)} s outside (idle)/(program)\n${lines.join('\n')}`;
}

const files = process.argv.slice(2).flatMap((arg) => (statSync(arg).isDirectory() ? readdirSync(arg).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(arg, f)) : [arg]));
process.stdout.write(files.map(summarise).join('\n\n') + '\n');
