// The Raft state machine of the cluster: catalog commands and membership commands, applied in log
// order on every node through the engine's catalog applier, with the membership persisted beside
// the catalog and the applied index (a restart never applies an entry twice).

import { Packr } from 'msgpackr';
import type { StateMachine } from '../raft/index.js';
import type { CatalogApplier } from '../core/meta/catalog-applier.js';
import type { CatalogCommand } from '../core/meta/commands.js';
import { decodeCatalog, encodeCatalog } from '../core/meta/catalog-store.js';
import { Membership, type MembershipCommand } from './membership.js';

export type ClusterCommand = { readonly kind: 'catalog'; readonly commands: readonly CatalogCommand[] } | MembershipCommand;

export interface ApplyResult {
  readonly index: number;
}

const packr = new Packr({ useRecords: false, int64AsType: 'bigint', moreTypes: true });

export function encodeClusterCommand(command: ClusterCommand): Buffer {
  return packr.pack(command);
}

export function decodeClusterCommand(data: Uint8Array): ClusterCommand {
  const command = packr.unpack(Buffer.from(data.buffer, data.byteOffset, data.byteLength)) as ClusterCommand;
  if (typeof command !== 'object' || command === null || typeof (command as { kind?: unknown }).kind !== 'string') throw new Error('cluster: entry is not a command');
  return command;
}

function encodeMembership(membership: Membership): Buffer {
  return packr.pack(membership.toJSON());
}

function decodeMembership(bytes: Buffer | undefined): Membership {
  return bytes === undefined ? Membership.empty() : Membership.fromJSON(packr.unpack(bytes) as ReturnType<Membership['toJSON']>);
}

export class ClusterStateMachine implements StateMachine<ApplyResult> {
  private current: Membership;
  private readonly listeners = new Set<(membership: Membership) => void>();

  constructor(private readonly applier: CatalogApplier) {
    this.current = decodeMembership(applier.sidecar);
  }

  get membership(): Membership {
    return this.current;
  }

  /** Index of the last entry applied (catalog and membership move together). */
  get appliedIndex(): number {
    return this.applier.catalog.index;
  }

  onMembership(listener: (membership: Membership) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async apply(data: Uint8Array, index: number): Promise<ApplyResult> {
    const command = decodeClusterCommand(data);
    if (command.kind === 'catalog') {
      await this.applier.apply(command.commands, index, () => encodeMembership(this.current));
      return { index };
    }
    if (index <= this.applier.catalog.index) return { index };
    const next = this.current.apply(command, index);
    await this.applier.apply([], index, () => encodeMembership(next));
    this.publish(next);
    return { index };
  }

  async snapshot(): Promise<Uint8Array> {
    return packr.pack({ catalog: encodeCatalog(this.applier.catalog), membership: this.current.toJSON() });
  }

  async restore(data: Uint8Array): Promise<void> {
    const snapshot = packr.unpack(Buffer.from(data.buffer, data.byteOffset, data.byteLength)) as { catalog: Buffer; membership: ReturnType<Membership['toJSON']> };
    const membership = Membership.fromJSON(snapshot.membership);
    await this.applier.restore(decodeCatalog(Buffer.from(snapshot.catalog)), encodeMembership(membership));
    this.publish(membership);
  }

  private publish(membership: Membership): void {
    if (membership === this.current) return;
    this.current = membership;
    for (const listener of this.listeners) listener(membership);
  }
}
