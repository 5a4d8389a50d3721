/**
 * The client order ids the policy knows, stored as columns of a ring in acceptance order
 * (across all accounts), with one {@link IdHashIndex} per account pointing into it.
 *
 * Why columns: at the bench's rate an id lives for the whole retention (1 s: about 10^5
 * ids), and an object per id (plus a Map entry) was exactly what the young-generation
 * collector copied and promoted. Here an id costs a cell in a few arrays and nothing else
 * (the id text itself is the order's). The ring's order is the acceptance order the
 * snapshot lists entries in; expiry pops from the ring's head, since command time never
 * steps back. An entry removed early (final report, rollback, retirement) is marked dead
 * and skipped when the head reaches it. A full ring doubles, each entry keeping its
 * sequence (so the indexes, which hold sequence tags, stay valid); one that filled up with
 * dead cells is compacted instead, and then the indexes are rebuilt.
 */
import type { AccountId } from "../../param/ids.js";
import { IdHashIndex, hashClientOrderId } from "./id-hash-index.js";

/** One known id as listed by {@link KnownIds.inOrder} (snapshots, retirement). */
export interface KnownIdEntry {
  readonly accountId: AccountId;
  readonly clientOrderId: string;
  readonly since: number;
  readonly decision: unknown;
}

const INITIAL_CAPACITY = 1024;
/** Tags are sequences modulo 2^30 (they fit an Int32Array with room for +1); the ring never gets that big. */
const TAG_MASK = 0x3fffffff;

export class KnownIds {
  #accounts = new Map<AccountId, IdHashIndex>();
  // The ring's columns; a cell's position is (absolute sequence & mask).
  #ids: string[] = [];
  #since = new Float64Array(INITIAL_CAPACITY);
  #decisions: unknown[] = [];
  #owners: (IdHashIndex | undefined)[] = [];
  #live = new Uint8Array(INITIAL_CAPACITY);
  /** The cell's tag in its account's index. */
  #tags = new Int32Array(INITIAL_CAPACITY);
  #mask = INITIAL_CAPACITY - 1;
  /** Absolute sequence numbers of the oldest cell and of the next free one. */
  #head = 0;
  #tail = 0;
  #count = 0;
  /** The last id hashed: an order's id is looked up by both stages and then inserted. */
  #lastText = "";
  #lastHash = hashClientOrderId("");

  constructor() {
    this.#fillColumns(INITIAL_CAPACITY);
  }

  /** Live ids, all accounts. */
  get size(): number {
    return this.#count;
  }

  /** How many live ids the account has. */
  sizeOf(accountId: AccountId): number {
    return this.#accounts.get(accountId)?.size ?? 0;
  }

  /** The cell of the account's id, or -1. */
  find(accountId: AccountId, clientOrderId: string): number {
    const index = this.#accounts.get(accountId);
    if (index === undefined) return -1;
    const tag = index.find(clientOrderId, this.#hash(clientOrderId), this.#ids, this.#mask);
    return tag < 0 ? -1 : tag & this.#mask;
  }

  sinceAt(cell: number): number {
    return this.#since[cell]!;
  }

  decisionAt(cell: number): unknown {
    return this.#decisions[cell];
  }

  setDecision(cell: number, decision: unknown): void {
    this.#decisions[cell] = decision;
  }

  /**
   * Adds the account's id accepted at `since`, or replaces a present one in its place (its
   * acceptance order is kept, as a Map's `set` on an existing key did).
   */
  insert(accountId: AccountId, clientOrderId: string, since: number, decision: unknown): void {
    let index = this.#accounts.get(accountId);
    if (index === undefined) this.#accounts.set(accountId, (index = new IdHashIndex(accountId)));
    const hash = this.#hash(clientOrderId);
    const presentTag = index.find(clientOrderId, hash, this.#ids, this.#mask);
    if (presentTag >= 0) {
      const present = presentTag & this.#mask;
      this.#since[present] = since;
      this.#decisions[present] = decision;
      return;
    }
    if (this.#tail - this.#head > this.#mask) this.#makeRoom();
    const tag = this.#tail & TAG_MASK;
    const cell = this.#tail & this.#mask;
    this.#tail++;
    this.#ids[cell] = clientOrderId;
    this.#since[cell] = since;
    this.#decisions[cell] = decision;
    this.#owners[cell] = index;
    this.#live[cell] = 1;
    this.#tags[cell] = tag;
    index.add(hash, tag);
    this.#count++;
  }

  /** Removes the id in `cell` (found by {@link find}). */
  removeAt(cell: number): void {
    const index = this.#owners[cell]!;
    index.remove(this.#hash(this.#ids[cell]!), this.#tags[cell]!);
    this.#kill(cell);
  }

  /**
   * Drops, from the head, the ids accepted `retentionMs` or more before `now` (the walk stops
   * at the first cell, live or dead, that is younger: acceptance order is time order), and
   * dead cells at the head. With `retentionMs` 0 ids do not expire.
   */
  expire(now: number, retentionMs: number): void {
    const mask = this.#mask;
    let head = this.#head;
    while (head < this.#tail) {
      const cell = head & mask;
      if (retentionMs > 0 && now - this.#since[cell]! >= retentionMs) {
        if (this.#live[cell] === 1) this.removeAt(cell);
      } else if (this.#live[cell] === 1) break;
      this.#release(cell);
      head++;
    }
    this.#head = head;
  }

  /** Every live id in acceptance order. */
  inOrder(): KnownIdEntry[] {
    const all: KnownIdEntry[] = [];
    for (let seq = this.#head; seq < this.#tail; seq++) {
      const cell = seq & this.#mask;
      if (this.#live[cell] === 1) {
        all.push({ accountId: this.#owners[cell]!.accountId as AccountId, clientOrderId: this.#ids[cell]!, since: this.#since[cell]!, decision: this.#decisions[cell] });
      }
    }
    return all;
  }

  /** The live ids of one account, in acceptance order. */
  sinceOfAccount(accountId: AccountId): number[] {
    const index = this.#accounts.get(accountId);
    const out: number[] = [];
    if (index === undefined || index.size === 0) return out;
    for (let seq = this.#head; seq < this.#tail; seq++) {
      const cell = seq & this.#mask;
      if (this.#live[cell] === 1 && this.#owners[cell] === index) out.push(this.#since[cell]!);
    }
    return out;
  }

  /** Forgets every id of the account (retirement). */
  dropAccount(accountId: AccountId): void {
    const index = this.#accounts.get(accountId);
    if (index === undefined) return;
    for (let seq = this.#head; seq < this.#tail; seq++) {
      const cell = seq & this.#mask;
      if (this.#live[cell] === 1 && this.#owners[cell] === index) this.#kill(cell);
    }
    this.#accounts.delete(accountId);
  }

  #hash(text: string): number {
    if (text !== this.#lastText) {
      this.#lastText = text;
      this.#lastHash = hashClientOrderId(text);
    }
    return this.#lastHash;
  }

  #kill(cell: number): void {
    this.#live[cell] = 0;
    this.#count--;
  }

  /** Lets go of a cell's references once the head has passed it. */
  #release(cell: number): void {
    this.#live[cell] = 0;
    this.#ids[cell] = "";
    this.#decisions[cell] = undefined;
    this.#owners[cell] = undefined;
  }

  /**
   * The ring is full. Mostly live: a ring twice the size, every entry at its sequence's cell
   * (tags unchanged, the indexes untouched). At most half live (dead cells filled it, as
   * when an old id outlives many short ones without retention): the live entries are laid
   * out again from sequence 0 in a ring of the same size, and the indexes rebuilt.
   */
  #makeRoom(): void {
    const capacity = this.#mask + 1;
    const compact = this.#count * 2 <= capacity;
    const next = compact ? capacity : capacity * 2;
    const ids = this.#ids;
    const since = this.#since;
    const decisions = this.#decisions;
    const owners = this.#owners;
    const live = this.#live;
    const tags = this.#tags;
    const mask = this.#mask;
    this.#since = new Float64Array(next);
    this.#live = new Uint8Array(next);
    this.#tags = new Int32Array(next);
    this.#ids = [];
    this.#decisions = [];
    this.#owners = [];
    this.#fillColumns(next);
    this.#mask = next - 1;
    if (compact) for (const index of this.#accounts.values()) index.clear();
    let seq = compact ? 0 : this.#head;
    for (let from = this.#head; from < this.#tail; from++) {
      const old = from & mask;
      if (compact && live[old] !== 1) continue;
      const to = seq & this.#mask;
      this.#ids[to] = ids[old]!;
      this.#since[to] = since[old]!;
      this.#decisions[to] = decisions[old];
      this.#owners[to] = owners[old];
      this.#live[to] = live[old]!;
      if (compact) {
        this.#tags[to] = seq & TAG_MASK;
        owners[old]!.add(this.#hash(ids[old]!), seq & TAG_MASK);
      } else this.#tags[to] = tags[old]!;
      seq++;
    }
    if (compact) {
      this.#head = 0;
      this.#tail = seq;
    }
  }

  /** Pre-sizes the plain columns so V8 keeps them packed (no holes, one element kind each). */
  #fillColumns(capacity: number): void {
    for (let i = this.#ids.length; i < capacity; i++) {
      this.#ids.push("");
      this.#decisions.push(undefined);
      this.#owners.push(undefined);
    }
  }
}
