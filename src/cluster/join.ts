// Adding a node to a running cluster: the new node asks any member; the leader adds it as a Raft
// learner and registers it as Joining; the node then copies the data, becomes Active and is made
// a voter while the voters stay within max_voters.

import { BadRequestError } from '../core/errors.js';
import type { PeerClient } from './peer-client.js';
import type { HeartbeatAnswer } from './heartbeat.js';

export interface JoinRequest {
  readonly node_id: string;
  readonly http_address: string;
  readonly raft_address: string;
}

export interface JoinAnswer {
  readonly members: ReadonlyArray<{ readonly id: string; readonly raft_address: string; readonly http_address: string | null }>;
  readonly leader_id: string;
  /** The leader's applied index after the join: the new node's catalog is complete once it gets there. */
  readonly applied_index: number;
}

export function parseJoinRequest(body: Buffer): JoinRequest {
  let parsed: Partial<JoinRequest>;
  try {
    parsed = JSON.parse(body.toString('utf8')) as Partial<JoinRequest>;
  } catch {
    throw new BadRequestError('join: body is not JSON');
  }
  if (typeof parsed.node_id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(parsed.node_id)) throw new BadRequestError('join: node_id must be 1-64 characters of [A-Za-z0-9._-]');
  if (typeof parsed.http_address !== 'string' || !/^[^\s/]+:\d{1,5}$/.test(parsed.http_address)) throw new BadRequestError('join: http_address must be host:port');
  if (typeof parsed.raft_address !== 'string' || !/^[^\s/]+:\d{1,5}$/.test(parsed.raft_address)) throw new BadRequestError('join: raft_address must be host:port');
  return { node_id: parsed.node_id, http_address: parsed.http_address, raft_address: parsed.raft_address };
}

/** Asks the seeds in turn (host:port or http URLs) to admit this node; the first answer wins. */
export async function requestJoin(client: PeerClient, seeds: readonly string[], request: JoinRequest): Promise<JoinAnswer> {
  const problems: string[] = [];
  for (const seed of seeds) {
    const address = seed.replace(/^https?:\/\//, '').replace(/\/+$/, '');
    try {
      const body = await client.requestOk(address, { method: 'POST', path: '/internal/membership/join', body: Buffer.from(JSON.stringify(request)), contentType: 'application/json', timeoutMs: 30_000 });
      return JSON.parse(body.toString('utf8')) as JoinAnswer;
    } catch (error) {
      problems.push(`${seed}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`join: no seed admitted this node (${problems.join('; ')})`);
}

/** Each seed's heartbeat answer (host:port or http URLs), null for one that does not answer in 2 s. */
export function askSeeds(client: PeerClient, seeds: readonly string[]): Promise<Array<HeartbeatAnswer | null>> {
  return Promise.all(
    seeds.map(async (seed) => {
      const address = seed.replace(/^https?:\/\//, '').replace(/\/+$/, '');
      try {
        const body = await client.requestOk(address, { method: 'GET', path: '/internal/heartbeat', timeoutMs: 2_000 });
        return JSON.parse(body.toString('utf8')) as HeartbeatAnswer;
      } catch {
        return null; // not up, or not a member yet
      }
    }),
  );
}

/**
 * Whether a running cluster answers at one of the seeds (a member that knows a Raft leader).
 * Unreachable seeds are not an answer: a cluster starting for the first time has none yet.
 */
export async function clusterExists(client: PeerClient, seeds: readonly string[]): Promise<boolean> {
  return (await askSeeds(client, seeds)).some((answer) => answer !== null && answer.leader !== null && answer.leader !== undefined);
}
