// Classifies corpus answers of a server against the oracle's and renders the summary the differential test prints.
// Pure: takes answers in, gives outcomes and text out; it never sends a request.
import { compareResponses, type QueryResponse } from '../support/compare.js';
import type { CorpusEntry } from './corpus.js';

export type OutcomeKind = 'matched' | 'known-diff' | 'failing' | 'no-expected';

export interface QueryOutcome {
  readonly entry: CorpusEntry;
  readonly kind: OutcomeKind;
  readonly diffs: readonly string[];
  /** Reason from known-differences.json, when listed there. */
  readonly knownReason?: string;
}

export interface ClassifyInput {
  readonly corpus: readonly CorpusEntry[];
  readonly expected: ReadonlyMap<string, QueryResponse>;
  readonly actual: ReadonlyMap<string, QueryResponse>;
  readonly known: Readonly<Record<string, string>>;
}

export function classifyOutcomes(input: ClassifyInput): QueryOutcome[] {
  return input.corpus.map((entry) => {
    const expected = input.expected.get(entry.id);
    const actual = input.actual.get(entry.id);
    const knownReason = input.known[entry.id];
    const known = knownReason === undefined ? {} : { knownReason };
    if (expected === undefined) return { entry, kind: 'no-expected', diffs: ['no expected answer (re-run record.ts)'], ...known };
    if (actual === undefined) return { entry, kind: 'failing', diffs: ['no answer recorded'], ...known };
    const cmp = compareResponses(expected, actual);
    if (cmp.equal) return { entry, kind: 'matched', diffs: [], ...known };
    return { entry, kind: knownReason === undefined ? 'failing' : 'known-diff', diffs: cmp.diffs, ...known };
  });
}

export interface DifferentialVerdict {
  readonly lines: readonly string[];
  /** Ids that must match and do not (required.json, or every non-known id under DIFF_ALL). */
  readonly mustMatchFailing: readonly QueryOutcome[];
  readonly counts: Readonly<Record<OutcomeKind, number>>;
}

export interface VerdictOptions {
  readonly title: string;
  readonly required: ReadonlySet<string>;
  readonly requireAll: boolean;
  /** Print every failing query's diffs, not only required ones. */
  readonly verbose: boolean;
  readonly maxListed?: number;
  /** Overrides the description of what must match in the summary line. */
  readonly mustMatchLabel?: string;
}

export function renderVerdict(outcomes: readonly QueryOutcome[], options: VerdictOptions): DifferentialVerdict {
  const counts: Record<OutcomeKind, number> = { matched: 0, 'known-diff': 0, failing: 0, 'no-expected': 0 };
  for (const o of outcomes) counts[o.kind]++;
  const lines: string[] = [];
  lines.push(
    `${options.title}: ${outcomes.length} queries — matched ${counts.matched}, known-diff ${counts['known-diff']}, ` +
      `failing ${counts.failing}${counts['no-expected'] > 0 ? `, no-expected ${counts['no-expected']}` : ''}`,
  );
  const groups = new Map<string, { total: number; matched: number }>();
  for (const o of outcomes) {
    const g = groups.get(o.entry.group) ?? { total: 0, matched: 0 };
    g.total++;
    if (o.kind === 'matched') g.matched++;
    groups.set(o.entry.group, g);
  }
  lines.push(`  by group: ${[...groups].map(([name, g]) => `${name} ${g.matched}/${g.total}`).join(', ')}`);
  const resolved = outcomes.filter((o) => o.kind === 'matched' && o.knownReason !== undefined);
  if (resolved.length > 0) {
    lines.push(`  known differences that now match (remove from known-differences.json): ${resolved.map((o) => o.entry.id).join(', ')}`);
  }
  const mustMatch = (o: QueryOutcome): boolean =>
    options.required.has(o.entry.id) || (options.requireAll && o.knownReason === undefined);
  const mustMatchFailing = outcomes.filter((o) => o.kind !== 'matched' && mustMatch(o));
  const requiredTotal = outcomes.filter(mustMatch).length;
  lines.push(
    `  must match (${options.mustMatchLabel ?? (options.requireAll ? 'DIFF_ALL=1: every query not in known-differences.json' : 'required.json')}): ` +
      `${requiredTotal - mustMatchFailing.length}/${requiredTotal}`,
  );
  for (const o of mustMatchFailing) {
    lines.push(`  REQUIRED ${o.entry.id} (${o.entry.group}.txt:${o.entry.line}) ${o.entry.query}`);
    for (const d of o.diffs) lines.push(`      ${d}`);
  }
  const others = outcomes.filter((o) => o.kind === 'failing' && !mustMatch(o));
  const maxListed = options.verbose ? others.length : (options.maxListed ?? 40);
  if (others.length > 0) {
    lines.push(`  failing, not required (${others.length}${others.length > maxListed ? `, first ${maxListed}; DIFF_VERBOSE=1 for all` : ''}):`);
    for (const o of others.slice(0, maxListed)) {
      lines.push(`    ${o.entry.id}: ${o.diffs[0] ?? ''}`);
      if (options.verbose) for (const d of o.diffs.slice(1)) lines.push(`      ${d}`);
    }
  }
  const knownDiffs = outcomes.filter((o) => o.kind === 'known-diff');
  if (knownDiffs.length > 0) {
    lines.push(`  known differences (${knownDiffs.length}): ${knownDiffs.map((o) => o.entry.id).join(', ')}`);
  }
  return { lines, mustMatchFailing, counts };
}
