/**
 * The client order ids the policy knows, stored as columns in acceptance order (across all
 * accounts), in fixed-size pages, with one {@link IdHashIndex} per account pointing into them.
 *
 * Why columns: at the bench's rate an id lives for the whole retention (1 s: about 10^5
 * ids), and an object per id (plus a Map entry) was exactly what the young-generation
 * collector copied and promoted. Here an id costs a cell in a page's few arrays and nothing
 * else (the id text itself is the order's). Why pages: a new page is appended when the last
 * is full and the first is dropped once expiry has passed it, so nothing is ever copied as
 * the set grows (a ring that doubles had to copy 10^5 cells at once, and JS arrays that big
 * are slow to allocate). The cells' order is the acceptance order the snapshot lists entries
 * in; expiry pops from the head, since command time never steps back. An entry removed early
 * (final report, rollback, retirement) is marked dead and skipped; when at least half the
 * cells in use are dead (an old id outliving many short ones without retention), the live
 * ones are laid out again and the indexes rebuilt.
 */
import type { AccountId } from "../../param/ids.js";
import { IdHashIndex, hashClientOrderId, type TagTexts } from "./id-hash-index.js";
import { commandOfCode, type RetryCommand } from "./retry-command.js";

/** One known id as listed by {@link KnownIds.inOrder} (snapshots, retirement). */
export interface KnownIdEntry {
  readonly accountId: AccountId;
  readonly clientOrderId: string;
  readonly since: number;
  readonly decision: unknown;
  /**
   * Which acceptance made the entry (the policy's count of accepted orders with an id), so a
   * rollback releases only its own order's entry; -1 for one restored from a snapshot made
   * before there was a number (its rollback then matches on `since`).
   */
  readonly order: number;
  /**
   * The first order's fingerprint (order-fingerprint.ts), kept with its decision so a retry is
   * answered only for the same order; absent while no decision is kept, and in entries
   * restored from a snapshot made before fingerprints (then unknown: the retry is answered as before).
   */
  readonly fingerprint?: string;
  /**
   * The command that got the decision (its wire name) and whether it asked for a commit on
   * accept (retry-command.ts): a retry must be that command. Absent as the fingerprint is,
   * and in entries restored from a snapshot made before this check (unknown: answered as before).
   */
  readonly command?: RetryCommand;
  readonly commitOnAccept?: boolean;
}

const PAGE_BITS = 10;
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;
/** Tags are sequences modulo 2^30 (they fit an Int32Array with room for +1); far more than ever live at once. */
const TAG_MASK = 0x3fffffff;

/** PAGE_SIZE consecutive cells, one array per column. */
class Page {
  /**
   * The ids' UTF-16 code units, back to back in cell order; cell `at` holds
   * `chars[textStart[at], textStart[at] + textLength[at])`. Copied rather than keeping the
   * order's string: ~10^5 strings retained for the retention were copied and promoted by
   * every young-generation collection; a copied id's string dies young.
   */
  chars = new Uint16Array(PAGE_SIZE * 8);
  charsUsed = 0;
  readonly textStart = new Int32Array(PAGE_SIZE);
  readonly textLength = new Int32Array(PAGE_SIZE);
  readonly since = new Float64Array(PAGE_SIZE);
  readonly orders = new Float64Array(PAGE_SIZE);
  readonly decisions = new Array<unknown>(PAGE_SIZE).fill(undefined);
  /** The first order's fingerprint, set with its decision (undefined = unknown). */
  readonly fingerprints = new Array<string | undefined>(PAGE_SIZE).fill(undefined);
  /** The first order's command and commit on accept, set with its decision (retry-command.ts's code; 0 = unknown). */
  readonly commands = new Uint8Array(PAGE_SIZE);
  readonly owners = new Array<IdHashIndex | undefined>(PAGE_SIZE).fill(undefined);
  readonly live = new Uint8Array(PAGE_SIZE);
  /** The id's hash, kept so expiry does not hash every id a second time. */
  readonly hashes = new Int32Array(PAGE_SIZE);

  /** Copies `text` in as cell `at`'s id (cells are written in order, so it goes at the end). */
  setText(at: number, text: string): void {
    const n = text.length;
    let chars = this.chars;
    if (this.charsUsed + n > chars.length) {
      let size = chars.length * 2;
      while (size < this.charsUsed + n) size *= 2;
      const grown = new Uint16Array(size);
      grown.set(chars.subarray(0, this.charsUsed));
      this.chars = chars = grown;
    }
    const start = this.charsUsed;
    for (let i = 0; i < n; i++) chars[start + i] = text.charCodeAt(i);
    this.textStart[at] = start;
    this.textLength[at] = n;
    this.charsUsed = start + n;
  }

  hasText(at: number, text: string): boolean {
    const n = this.textLength[at]!;
    if (n !== text.length) return false;
    const chars = this.chars;
    const start = this.textStart[at]!;
    for (let i = 0; i < n; i++) if (chars[start + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  /** Cell `at`'s id as a string (snapshots, retirement, compaction: not the hot path). */
  text(at: number): string {
    const start = this.textStart[at]!;
    const end = start + this.textLength[at]!;
    let out = "";
    // In chunks: `fromCharCode` takes its code units as arguments.
    for (let i = start; i < end; i += 4096) out += String.fromCharCode(...this.chars.subarray(i, Math.min(end, i + 4096)));
    return out;
  }
}

/** A cell is named by its sequence number (absolute, in acceptance order). */
export class KnownIds implements TagTexts {
  #accounts = new Map<AccountId, IdHashIndex>();
  #pages: Page[] = [];
  /** The sequence number of the first page's first cell. */
  #base = 0;
  /** Sequence numbers of the oldest cell in use and of the next free one. */
  #head = 0;
  #tail = 0;
  #count = 0;
  /** The last account looked up, and its index: an order's account is looked up by both stages and then inserted. */
  #lastAccountId: AccountId | undefined;
  #lastIndex: IdHashIndex | undefined;
  /** The last id hashed: an order's id is looked up by both stages and then inserted. */
  #lastText = "";
  #lastHash = hashClientOrderId("");

  /** Live ids, all accounts. */
  get size(): number {
    return this.#count;
  }

  /** How many accounts hold a table of ids (some may be empty until retirement drops them). */
  get accountCount(): number {
    return this.#accounts.size;
  }

  /** How many live ids the account has. */
  sizeOf(accountId: AccountId): number {
    return this.#accounts.get(accountId)?.size ?? 0;
  }

  /** The cell of the account's id, or -1. */
  find(accountId: AccountId, clientOrderId: string): number {
    const index = this.#indexOf(accountId);
    if (index === undefined) return -1;
    const tag = index.find(clientOrderId, this.#hash(clientOrderId), this);
    return tag < 0 ? -1 : this.#seqOfTag(tag);
  }

  sinceAt(cell: number): number {
    const r = cell - this.#base;
    return this.#pages[r >> PAGE_BITS]!.since[r & PAGE_MASK]!;
  }

  orderAt(cell: number): number {
    const r = cell - this.#base;
    return this.#pages[r >> PAGE_BITS]!.orders[r & PAGE_MASK]!;
  }

  decisionAt(cell: number): unknown {
    const r = cell - this.#base;
    return this.#pages[r >> PAGE_BITS]!.decisions[r & PAGE_MASK];
  }

  /** The fingerprint of the order whose decision the cell keeps, or undefined (none kept, or unknown). */
  fingerprintAt(cell: number): string | undefined {
    const r = cell - this.#base;
    return this.#pages[r >> PAGE_BITS]!.fingerprints[r & PAGE_MASK];
  }

  /** The code of the command whose decision the cell keeps (retry-command.ts), 0 when none is kept or it is unknown. */
  commandAt(cell: number): number {
    const r = cell - this.#base;
    return this.#pages[r >> PAGE_BITS]!.commands[r & PAGE_MASK]!;
  }

  /** Keeps the first order's decision, its fingerprint and its command's code together. */
  setDecision(cell: number, decision: unknown, fingerprint?: string, command = 0): void {
    const r = cell - this.#base;
    const page = this.#pages[r >> PAGE_BITS]!;
    page.decisions[r & PAGE_MASK] = decision;
    page.fingerprints[r & PAGE_MASK] = fingerprint;
    page.commands[r & PAGE_MASK] = command;
  }

  /** @internal For the indexes: whether the id a tag stands for is `text`. */
  tagHasText(tag: number, text: string): boolean {
    const r = this.#seqOfTag(tag) - this.#base;
    return this.#pages[r >> PAGE_BITS]!.hasText(r & PAGE_MASK, text);
  }

  /**
   * Adds the account's id accepted at `since`, or replaces a present one in its place (its
   * acceptance order is kept, as a Map's `set` on an existing key did).
   */
  insert(accountId: AccountId, clientOrderId: string, since: number, decision: unknown, order = -1, fingerprint?: string, command = 0): void {
    const cell = this.find(accountId, clientOrderId);
    if (cell >= 0) this.replaceAt(cell, since, decision, order, fingerprint, command);
    else this.append(accountId, clientOrderId, since, decision, order, fingerprint, command);
  }

  /** Gives the id in `cell` (found by {@link find}) a new acceptance (time, number) and decision, in its place. */
  replaceAt(cell: number, since: number, decision: unknown, order = -1, fingerprint?: string, command = 0): void {
    const r = cell - this.#base;
    const page = this.#pages[r >> PAGE_BITS]!;
    page.since[r & PAGE_MASK] = since;
    page.orders[r & PAGE_MASK] = order;
    page.decisions[r & PAGE_MASK] = decision;
    page.fingerprints[r & PAGE_MASK] = fingerprint;
    page.commands[r & PAGE_MASK] = command;
  }

  /** Adds an id {@link find} has just not found for the account (`insert` without the lookup). */
  append(accountId: AccountId, clientOrderId: string, since: number, decision: unknown, order = -1, fingerprint?: string, command = 0): void {
    let index = this.#indexOf(accountId);
    if (index === undefined) this.#accounts.set(accountId, (index = new IdHashIndex(accountId)));
    const hash = this.#hash(clientOrderId);
    let r = this.#tail - this.#base;
    if (r === this.#pages.length * PAGE_SIZE) {
      if (this.#compactIfMostlyDead()) r = this.#tail - this.#base;
      if (r === this.#pages.length * PAGE_SIZE) this.#pages.push(new Page());
    }
    const page = this.#pages[r >> PAGE_BITS]!;
    const at = r & PAGE_MASK;
    page.setText(at, clientOrderId);
    page.since[at] = since;
    page.orders[at] = order;
    page.decisions[at] = decision;
    page.fingerprints[at] = fingerprint;
    page.commands[at] = command;
    page.owners[at] = index;
    page.live[at] = 1;
    page.hashes[at] = hash;
    index.add(hash, this.#tail & TAG_MASK);
    this.#tail++;
    this.#count++;
  }

  /** Removes the id in `cell` (found by {@link find}). */
  removeAt(cell: number): void {
    const r = cell - this.#base;
    const page = this.#pages[r >> PAGE_BITS]!;
    const at = r & PAGE_MASK;
    page.owners[at]!.remove(page.hashes[at]!, cell & TAG_MASK);
    page.live[at] = 0;
    this.#count--;
  }

  /**
   * Drops, from the head, the ids accepted `retentionMs` or more before `now` (the walk stops
   * at the first live id that is younger: acceptance order is time order), and dead cells
   * at the head. With `retentionMs` 0 ids do not expire.
   */
  expire(now: number, retentionMs: number): void {
    let head = this.#head;
    const tail = this.#tail;
    while (head < tail) {
      const r = head - this.#base;
      const page = this.#pages[r >> PAGE_BITS]!;
      const at = r & PAGE_MASK;
      if (page.live[at] === 1) {
        if (retentionMs <= 0 || now - page.since[at]! < retentionMs) break;
        this.removeAt(head);
      }
      head++;
      // A page the head has left holds nothing live: dropped (with its references).
      if (head - this.#base === PAGE_SIZE) {
        this.#pages.shift();
        this.#base += PAGE_SIZE;
      }
    }
    this.#head = head;
  }

  /** Every live id in acceptance order. */
  inOrder(): KnownIdEntry[] {
    const all: KnownIdEntry[] = [];
    this.#eachLive((page, at) => {
      const entry: KnownIdEntry = { accountId: page.owners[at]!.accountId as AccountId, clientOrderId: page.text(at), since: page.since[at]!, decision: page.decisions[at], order: page.orders[at]! };
      // Listed only when known: an entry without one snapshots as it did before fingerprints
      // (and before commands were kept).
      const fingerprint = page.fingerprints[at];
      const command = commandOfCode(page.commands[at]!);
      all.push(fingerprint === undefined && command === undefined ? entry : { ...entry, ...(fingerprint === undefined ? {} : { fingerprint }), ...command });
    });
    return all;
  }

  /** When each live id of the account was accepted, in acceptance order. */
  sinceOfAccount(accountId: AccountId): number[] {
    const index = this.#accounts.get(accountId);
    const out: number[] = [];
    if (index === undefined || index.size === 0) return out;
    this.#eachLive((page, at) => {
      if (page.owners[at] === index) out.push(page.since[at]!);
    });
    return out;
  }

  /** Forgets every id of the account (retirement). */
  dropAccount(accountId: AccountId): void {
    const index = this.#accounts.get(accountId);
    if (index === undefined) return;
    this.#eachLive((page, at) => {
      if (page.owners[at] !== index) return;
      page.live[at] = 0;
      this.#count--;
    });
    this.#accounts.delete(accountId);
    this.#lastAccountId = this.#lastIndex = undefined;
  }

  #indexOf(accountId: AccountId): IdHashIndex | undefined {
    if (accountId === this.#lastAccountId && this.#lastIndex !== undefined) return this.#lastIndex;
    const index = this.#accounts.get(accountId);
    if (index !== undefined) {
      this.#lastAccountId = accountId;
      this.#lastIndex = index;
    }
    return index;
  }

  /** Not the hot path (snapshots, retirement, compaction). */
  #eachLive(visit: (page: Page, at: number) => void): void {
    for (let seq = this.#head; seq < this.#tail; seq++) {
      const r = seq - this.#base;
      const page = this.#pages[r >> PAGE_BITS]!;
      if (page.live[r & PAGE_MASK] === 1) visit(page, r & PAGE_MASK);
    }
  }

  /** The live sequence number with these low bits (live cells span far less than 2^30). */
  #seqOfTag(tag: number): number {
    return this.#head + ((tag - (this.#head & TAG_MASK)) & TAG_MASK);
  }

  #hash(text: string): number {
    if (text !== this.#lastText) {
      this.#lastText = text;
      this.#lastHash = hashClientOrderId(text);
    }
    return this.#lastHash;
  }

  /**
   * With every page full and at most half the cells in use live (and a few pages of them),
   * lays the live ids out again from sequence 0 on fresh pages and rebuilds the indexes.
   * Amortised: the next compaction needs as many new cells as there are live ones.
   */
  #compactIfMostlyDead(): boolean {
    const used = this.#tail - this.#head;
    if (used < 4 * PAGE_SIZE || this.#count * 2 > used) return false;
    const live: { page: Page; at: number }[] = [];
    this.#eachLive((page, at) => void live.push({ page, at }));
    for (const index of this.#accounts.values()) index.clear();
    this.#pages = [];
    this.#base = this.#head = this.#tail = 0;
    this.#count = 0;
    for (const { page, at } of live) {
      const owner = page.owners[at]!;
      this.insert(owner.accountId as AccountId, page.text(at), page.since[at]!, page.decisions[at], page.orders[at]!, page.fingerprints[at], page.commands[at]);
    }
    return true;
  }
}
