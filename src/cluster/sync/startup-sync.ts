// What a node does when it starts before it answers queries: it asks its peers what they hold and
// pulls every origin it is behind on (its own earlier incarnations included, after a wipe), or
// copies a peer's whole data set when nobody holds the entries it misses any more. Until then the
// node reports Syncing. Bounded: peers that never answer stop the wait after the timeout.

import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { Wal } from '../../core/wal/wal-port.js';
import type { HeartbeatAnswer } from '../heartbeat.js';
import type { SyncService } from './sync-service.js';

export interface StartupSyncDeps {
  readonly wal: Wal;
  readonly sync: SyncService;
  readonly clock: Clock;
  readonly log: Logger;
  readonly peers: () => readonly string[];
  readonly answer: (peer: string) => HeartbeatAnswer | null;
  readonly timeoutMs: number;
}

/** Per origin, the most any answering peer holds, and which peer that is. */
export function frontierOf(answers: ReadonlyArray<readonly [string, HeartbeatAnswer]>, localOrigin: string): Map<string, { watermark: number; peer: string }> {
  const frontier = new Map<string, { watermark: number; peer: string }>();
  for (const [peer, answer] of answers) {
    for (const [origin, watermark] of Object.entries(answer.watermarks)) {
      if (origin === localOrigin) continue;
      const best = frontier.get(origin);
      if (best === undefined || watermark > best.watermark) frontier.set(origin, { watermark, peer });
    }
  }
  return frontier;
}

export async function startupSync(deps: StartupSyncDeps): Promise<'caught-up' | 'timed-out' | 'alone'> {
  const deadline = deps.clock.monotonicMs() + deps.timeoutMs;
  const peers = deps.peers();
  if (peers.length === 0) return 'alone';
  // Wait for every peer's answer, or (after a grace period) enough for a majority with this node.
  let answers: Array<[string, HeartbeatAnswer]> = [];
  for (;;) {
    answers = peers.flatMap((peer) => {
      const answer = deps.answer(peer);
      return answer ? [[peer, answer] as [string, HeartbeatAnswer]] : [];
    });
    const halfway = deps.clock.monotonicMs() > deadline - deps.timeoutMs + Math.min(deps.timeoutMs / 2, 5_000);
    if (answers.length === peers.length || (halfway && (answers.length + 1) * 2 > peers.length + 1)) break;
    if (deps.clock.monotonicMs() > deadline) {
      deps.log.warn({ answered: answers.length, peers: peers.length }, 'startup sync: peers did not answer in time; serving what this node holds');
      return 'timed-out';
    }
    await new Promise((resolve) => deps.clock.setTimer(200, () => resolve(undefined)));
  }
  const frontier = frontierOf(answers, deps.wal.localOrigin);
  const behind = [...frontier].filter(([origin, best]) => best.watermark > (deps.wal.originWatermarks().get(origin) ?? 0));
  if (behind.length === 0) return 'caught-up';
  deps.log.info({ origins: behind.length }, 'startup sync: pulling what this node missed');
  for (const [origin, best] of behind) {
    const from = (deps.wal.originWatermarks().get(origin) ?? 0) + 1;
    if (from > best.watermark) continue;
    const outcome = await deps.sync.pull(origin, from, best.peer);
    if (outcome === 'truncated') {
      // Nobody keeps that far back: take a whole copy from the peer holding the most, then stop.
      const source = [...answers].sort((a, b) => total(b[1]) - total(a[1]))[0]![0];
      deps.log.info({ origin, from, source }, 'startup sync: entries no longer held; copying the whole data set');
      await deps.sync.runNow({ full: { source } });
      break;
    }
  }
  return 'caught-up';
}

function total(answer: HeartbeatAnswer): number {
  return Object.values(answer.watermarks).reduce((sum, w) => sum + w, 0);
}
