// Write consistency arithmetic (InfluxDB Enterprise's levels): how many copies a level needs of
// the members writes are counted against. Pure; the coordinator does the waiting.

import { BadRequestError } from '../core/errors.js';

export const CONSISTENCY_LEVELS = ['any', 'one', 'quorum', 'all'] as const;
export type ConsistencyLevel = (typeof CONSISTENCY_LEVELS)[number];

/** Parses the `consistency` parameter of /write; undefined or '' means the configured default. */
export function parseConsistency(text: string | undefined, fallback: ConsistencyLevel): ConsistencyLevel {
  if (text === undefined || text === '') return fallback;
  if ((CONSISTENCY_LEVELS as readonly string[]).includes(text)) return text as ConsistencyLevel;
  throw new BadRequestError(`invalid consistency: ${text}`);
}

/**
 * Copies a write needs, counting the coordinator's own durable copy: any and one need that copy
 * (every member holds all data, so the coordinator is always a replica), quorum a majority of
 * the counted members, all every one of them.
 */
export function requiredCopies(level: ConsistencyLevel, members: number): number {
  if (!(Number.isInteger(members) && members >= 1)) throw new RangeError(`members must be an integer >= 1, got ${members}`);
  switch (level) {
    case 'any':
    case 'one':
      return 1;
    case 'quorum':
      return Math.floor(members / 2) + 1;
    case 'all':
      return members;
  }
}

/** The refusal before any side effect when too few members can take the write. */
export function unavailableMessage(level: ConsistencyLevel, required: number, members: number, reachable: number): string {
  return `cluster unavailable: consistency ${level} needs ${required} of ${members} nodes, ${reachable} reachable`;
}
