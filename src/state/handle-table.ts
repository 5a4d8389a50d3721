/** The request and reservation handles one channel issued: ids, kinds, expiry. */
import type { AccountId } from "../param/index.js";
import type { PreTradeRequest, PreTradeReservation } from "../engine/index.js";
import { CommandError } from "./command-error.js";

export type Handle =
  | { readonly kind: "request"; readonly accountId: AccountId; readonly request: PreTradeRequest }
  | {
      readonly kind: "reservation";
      readonly accountId: AccountId;
      readonly reservation: PreTradeReservation;
      /** Clock instant after which the TTL sweep rolls it back (Infinity = never). */
      readonly expiresAt: number;
    };

/** Open handles counted over every table that shares it: the process-wide cap reads it in O(1). */
export class HandleTally {
  open = 0;
  /** Of them, reservations (the rest are requests): the metrics' gauge reads it in O(1). */
  reservations = 0;
}

const SEQ_BITS = 32n;
const SEQ_MASK = (1n << SEQ_BITS) - 1n;
/**
 * The last channel id whose handle ids fit in a uint64 (the wire's type): the channel id is
 * the handle id's high 32 bits. Channel ids are never issued twice (a stale handle must not
 * name a later channel's reservation), so a deployment opens at most this many channels.
 */
export const LAST_CHANNEL_ID = SEQ_MASK;
/** See `idsNearEnd`. */
const IDS_NEAR_END = SEQ_MASK - (1n << 25n);

/**
 * The server-side handles of one channel. Ids are `channelId << 32 | seq` with seq counting
 * up from 1, so a foreign id (another channel's) and a consumed one (seq already issued,
 * no longer held) are told apart from an unknown one without remembering consumed ids.
 */
export class HandleTable {
  private readonly handles = new Map<bigint, Handle>();
  private nextSeq = 1n;

  constructor(
    private readonly channelId: bigint,
    private readonly tally: HandleTally = new HandleTally(),
    /**
     * The id the door's next channel gets (every id below it was issued): part of the state
     * (snapshotted, and moved by each journaled open), so a replay and a restart tell a
     * foreign handle from an unknown one as the live run did. By default, this channel's.
     */
    private readonly nextChannelId: () => bigint = () => channelId + 1n,
    /**
     * The next sequence a live channel issues, undefined for one that closed (its table is gone):
     * an id of a live channel past what it issued is no one's, not that channel's.
     */
    private readonly liveNextSequence: (channelId: bigint) => bigint | undefined = () => undefined,
  ) {}

  get size(): number {
    return this.handles.size;
  }

  /**
   * Ids still free to issue: past 2^32 - 1, `seq` would spill into the channel bits and
   * collide with this channel's own open ids or fall in another channel's.
   */
  get idsLeft(): bigint {
    return SEQ_MASK - this.nextSeq + 1n;
  }

  /**
   * Whether `idsLeft` is worth computing: a Map holds fewer than 2^24 handles, so until the
   * last 2^25 ids there are always enough. A compare, not two bigints made per order.
   */
  get idsNearEnd(): boolean {
    return this.nextSeq > IDS_NEAR_END;
  }

  add(handle: Handle): bigint {
    if (this.nextSeq > SEQ_MASK) throw new CommandError("RESOURCE_EXHAUSTED", "", `channel ${this.channelId} has issued every handle id it can; open a new channel`);
    const id = (this.channelId << SEQ_BITS) | this.nextSeq;
    this.nextSeq += 1n;
    this.handles.set(id, handle);
    this.tally.open++;
    if (handle.kind === "reservation") this.tally.reservations++;
    return id;
  }

  /** Removes and returns the handle if it is of `kind`; otherwise a per-command error. */
  take<K extends Handle["kind"]>(id: bigint, kind: K, field: string): Extract<Handle, { kind: K }> {
    const handle = this.handles.get(id);
    if (!handle) throw this.missingError(id, field);
    if (handle.kind !== kind) {
      throw new CommandError("WRONG_HANDLE_KIND", field, `${field}: handle ${id} is a ${handle.kind}, not a ${kind}`);
    }
    this.handles.delete(id);
    this.tally.open--;
    if (kind === "reservation") this.tally.reservations--;
    return handle as Extract<Handle, { kind: K }>;
  }

  /** Removes and returns every handle matching `pick`, newest first (rollback order). */
  takeWhere(pick: (h: Handle) => boolean): [bigint, Handle][] {
    const taken: [bigint, Handle][] = [];
    for (const [id, h] of this.handles) if (pick(h)) taken.push([id, h]);
    for (const [id, h] of taken) {
      this.handles.delete(id);
      if (h.kind === "reservation") this.tally.reservations--;
    }
    this.tally.open -= taken.length;
    return taken.reverse();
  }

  /** The open handle with this id, or undefined (never issued, or consumed: ids are not issued twice). */
  get(id: bigint): Handle | undefined {
    return this.handles.get(id);
  }

  *entries(): IterableIterator<[bigint, Handle]> {
    yield* this.handles;
  }

  /** The next sequence to issue: part of the state, so consumed ids stay recognisable. */
  get nextSequence(): bigint {
    return this.nextSeq;
  }

  /** Puts back what a snapshot held (on a fresh table), ids and order unchanged. */
  restore(nextSequence: bigint, handles: Iterable<[bigint, Handle]>): void {
    this.nextSeq = nextSequence;
    for (const [id, h] of handles) {
      this.handles.set(id, h);
      this.tally.open++;
      if (h.kind === "reservation") this.tally.reservations++;
    }
  }

  private missingError(id: bigint, field: string): CommandError {
    const owner = id >> SEQ_BITS;
    const seq = id & SEQ_MASK;
    // Another channel's only if that channel was opened: an id naming a channel the door never
    // issued (2^64 - 1: channel 2^32 - 1) is no one's (found by review: it was "another channel's").
    if (owner !== this.channelId && owner !== 0n && owner < this.nextChannelId()) {
      // Of a live channel, only a sequence it issued is its (found by review, session 43: seq 0
      // and ones past its next were "another channel's"); of a closed one, any may have been.
      const next = this.liveNextSequence(owner);
      if (next === undefined || (seq > 0n && seq < next)) {
        return new CommandError("FOREIGN_HANDLE", field, `${field}: handle ${id} belongs to another channel`);
      }
    }
    if (owner === this.channelId && seq > 0n && seq < this.nextSeq) {
      return new CommandError("HANDLE_CONSUMED", field, `${field}: handle ${id} was already used, expired or fenced`);
    }
    return new CommandError("UNKNOWN_HANDLE", field, `${field}: no handle ${id} on this channel`);
  }
}
