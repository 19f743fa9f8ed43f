// Before the leader runs continuous queries it must hold every point the cluster acknowledged
// before the run: a write acknowledged at quorum is on a majority of the members, which need not
// include the leader (it may get there later, by handoff or sync). So the leader asks the other
// members what they hold of each origin; answers from enough of them to make a majority with the
// leader cover every acknowledged write (any two majorities share a member). What the leader
// misses it pulls from a member holding it, through the sync path. A barrier that cannot complete
// (too few answers, a source that no longer holds the entries) says why, and the caller skips
// its run: the next run resumes from the last interval recorded in the catalog.

export interface DataBarrierDeps {
  /** This node's own origin: it holds all of it by definition. */
  readonly localOrigin: string;
  readonly localWatermarks: () => ReadonlyMap<string, number>;
  /** The other members counted in a write quorum. */
  readonly peers: readonly string[];
  /** What a peer holds per origin (asked now, not a cached answer); null when it did not answer. */
  readonly askWatermarks: (peer: string) => Promise<Readonly<Record<string, number>> | null>;
  readonly pull: (origin: string, fromSeq: number, source: string) => Promise<'done' | 'truncated'>;
}

export type DataBarrierOutcome = { readonly ok: true; readonly pulled: number } | { readonly ok: false; readonly reason: string };

export interface MissingRange {
  readonly origin: string;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly source: string;
}

/** Whether answers from `answered` of `peers` other members make a majority with this node. */
export function isMajority(answered: number, peers: number): boolean {
  return (answered + 1) * 2 > peers + 1;
}

/** Per origin this node is behind on: the range it misses and the peer holding the most of it. Pure. */
export function missingRanges(answers: ReadonlyArray<readonly [string, Readonly<Record<string, number>>]>, local: ReadonlyMap<string, number>, localOrigin: string): MissingRange[] {
  const best = new Map<string, { watermark: number; peer: string }>();
  for (const [peer, watermarks] of answers) {
    for (const [origin, watermark] of Object.entries(watermarks)) {
      if (origin === localOrigin) continue;
      const current = best.get(origin);
      if (current === undefined || watermark > current.watermark) best.set(origin, { watermark, peer });
    }
  }
  const missing: MissingRange[] = [];
  for (const [origin, { watermark, peer }] of best) {
    const held = local.get(origin) ?? 0;
    if (watermark > held) missing.push({ origin, fromSeq: held + 1, toSeq: watermark, source: peer });
  }
  return missing.sort((a, b) => (a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : 0));
}

/** Brings this node up to every write a majority held when it was asked (see the header). */
export async function dataBarrier(deps: DataBarrierDeps): Promise<DataBarrierOutcome> {
  const asked = await Promise.all(deps.peers.map(async (peer) => [peer, await deps.askWatermarks(peer)] as const));
  const answers = asked.filter((entry): entry is readonly [string, Readonly<Record<string, number>>] => entry[1] !== null);
  if (!isMajority(answers.length, deps.peers.length)) {
    return { ok: false, reason: `${answers.length} of ${deps.peers.length} peers answered; a majority is needed to know every acknowledged write` };
  }
  const missing = missingRanges(answers, deps.localWatermarks(), deps.localOrigin);
  for (const range of missing) {
    const outcome = await deps.pull(range.origin, range.fromSeq, range.source);
    if (outcome === 'truncated') return { ok: false, reason: `${range.source} no longer holds ${range.origin} from ${range.fromSeq}; this node needs a sync first` };
    const held = deps.localWatermarks().get(range.origin) ?? 0;
    if (held < range.toSeq) return { ok: false, reason: `pulled ${range.origin} up to ${held} of ${range.toSeq} from ${range.source}` };
  }
  return { ok: true, pulled: missing.length };
}
