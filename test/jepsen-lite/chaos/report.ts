// The run directory's human side: summary.md (verdict, replay command, checker table, nemesis
// timeline, workload counts, each node's log tail), results.json and nemesis.jsonl.
// history.jsonl, schedule.json and the full node logs are written by their owners.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verdict, type CheckResult } from './checkers/check-result.js';
import type { NemesisOutcome } from './nemesis/nemesis.js';
import type { Schedule } from './schedule.js';
import type { WorkloadStats } from './workload.js';

export type NemesisRecord = NemesisOutcome & {
  readonly atMs: number;
  readonly phase: 'install' | 'heal' | 'final-heal';
  readonly fault: string;
};

export interface ReportInput {
  readonly runDir: string;
  readonly schedule: Schedule;
  readonly results: readonly CheckResult[];
  readonly nemesis: readonly NemesisRecord[];
  readonly workload: WorkloadStats | null;
  readonly harnessError: string | null;
  readonly logTails: ReadonlyMap<string, string>;
}

const mark = (v: CheckResult['valid']): string => (v === true ? 'PASS' : v === false ? 'FAIL' : 'UNKNOWN');

/** The command that replays this run's schedule. */
export function replayCommand(schedule: Schedule): string {
  const target = schedule.nodes.length === 1 ? ' --target single' : ` --nodes ${schedule.nodes.length}`;
  const kinds = schedule.kinds.length > 0 ? ` --kinds ${schedule.kinds.join(',')}` : '';
  return `npm run chaos -- --seed ${schedule.seed} --runs 1 --run-seconds ${Math.round(schedule.durationMs / 1000)}${target}${kinds}`;
}

export function summaryMarkdown(input: ReportInput): string {
  const overall = input.harnessError !== null ? 'UNKNOWN (harness error)' : mark(verdict(input.results));
  const lines = [
    `# jepsen-lite run, seed ${input.schedule.seed}: ${overall}`,
    '',
    `Replay: \`${replayCommand(input.schedule)}\``,
    `Nodes: ${input.schedule.nodes.join(', ')}; workload ${input.schedule.durationMs} ms; ` +
      `clients ${input.schedule.workload.clients} at ${input.schedule.workload.opsPerSecond} ops/s`,
    '',
    '| check | verdict | summary |',
    '|---|---|---|',
    ...input.results.map((r) => `| ${r.name} | ${mark(r.valid)} | ${r.summary.replace(/\|/g, '\\|')} |`),
    '',
    '## Nemesis',
    '',
    '| at s | phase | fault | outcome | detail |',
    '|---|---|---|---|---|',
    ...input.nemesis.map((n) => `| ${(n.atMs / 1000).toFixed(1)} | ${n.phase} | ${n.fault} | ${n.status} | ${n.detail.replace(/\n/g, ' ').replace(/\|/g, '\\|').slice(0, 300)} |`),
    '',
    '## Workload',
    '',
    input.workload === null ? 'did not run' : Object.entries(input.workload.counts).sort().map(([k, v]) => `- ${k}: ${v}`).join('\n'),
    input.workload?.stoppedEarly ? `\nstopped early: ${input.workload.stoppedEarly}` : '',
  ];
  if (input.harnessError !== null) lines.push('', '## Harness error', '', '```', input.harnessError, '```');
  for (const [node, tail] of input.logTails) lines.push('', `## ${node} log tail`, '', '```', tail, '```');
  return lines.join('\n') + '\n';
}

/** Writes summary.md, results.json and nemesis.jsonl; returns the summary's path. */
export function writeReport(input: ReportInput): string {
  const path = join(input.runDir, 'summary.md');
  writeFileSync(path, summaryMarkdown(input));
  writeFileSync(join(input.runDir, 'results.json'), JSON.stringify({ seed: input.schedule.seed, harnessError: input.harnessError, results: input.results }, null, 2));
  writeFileSync(join(input.runDir, 'nemesis.jsonl'), input.nemesis.map((n) => JSON.stringify(n)).join('\n') + '\n');
  return path;
}
