/**
 * One account's client order ids → their place in the known-id ring ({@link KnownIds}): an
 * open-addressing table (linear probing) of pairs in one typed array, the id's hash and its
 * tag (the entry's acceptance sequence modulo 2^30, + 1; 0 = empty). A lookup of an id that
 * is not there (the common case: every new order) reads one run of pairs and never touches
 * a string; a hash match is confirmed against the ring's text. No object per id, so the
 * young-generation collector has nothing to copy for the ids a busy account keeps for the
 * retention (a `Map` made an entry object per id and walked a chain of keys per lookup).
 */

/**
 * FNV-1a over the UTF-16 code units, then murmur3's finaliser (FNV's multiply only carries
 * upward, and the table indexes by the low bits): stable, cheap for short ids, never 0.
 */
export function hashClientOrderId(text: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h === 0 ? 1 : h;
}

const INITIAL_CAPACITY = 16;

/** Where the ids behind the tags are kept (the known-id store). */
export interface TagTexts {
  /** Whether the id the tag stands for is `text`. */
  tagHasText(tag: number, text: string): boolean;
}

export class IdHashIndex {
  /**
   * Cell i is the pair [2i] = the id's hash, [2i + 1] = tag + 1 (0 marks a free cell): one
   * typed array, so a probe reads one cache line (with the table far larger than the cache,
   * two arrays cost two misses per lookup, insert and removal).
   */
  #table = new Int32Array(2 * INITIAL_CAPACITY);
  #mask = INITIAL_CAPACITY - 1;
  #size = 0;

  /** The account these ids belong to (snapshots list it with each id). */
  constructor(readonly accountId: bigint) {}

  get size(): number {
    return this.#size;
  }

  /** Cells in the table (a power of two; back to the first size once emptied). */
  get capacity(): number {
    return this.#mask + 1;
  }

  /** The tag of `text`, or -1. `texts` gives the id text a tag stands for (to confirm a hash match). */
  find(text: string, hash: number, texts: TagTexts): number {
    const table = this.#table;
    const mask = this.#mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slot = table[2 * i + 1]!;
      if (slot === 0) return -1;
      if (table[2 * i] === hash && texts.tagHasText(slot - 1, text)) return slot - 1;
    }
  }

  /** Adds an id known not to be present. */
  add(hash: number, tag: number): void {
    if ((this.#size + 1) * 2 > this.#mask + 1) this.#resize(2 * (this.#mask + 1));
    this.#place(hash, tag + 1);
    this.#size++;
  }

  /** Removes the cell holding `tag` (its id hashes to `hash`); false when there is none. */
  remove(hash: number, tag: number): boolean {
    const table = this.#table;
    const mask = this.#mask;
    let i = hash & mask;
    for (; ; i = (i + 1) & mask) {
      const s = table[2 * i + 1]!;
      if (s === 0) return false;
      if (s === tag + 1) break;
    }
    // Backward-shift deletion: move later cells of the run into the hole when their home
    // position allows it, so lookups never need tombstones.
    let hole = i;
    for (let j = (i + 1) & mask; table[2 * j + 1] !== 0; j = (j + 1) & mask) {
      const home = table[2 * j]! & mask;
      // The cell at j may move to the hole if its home is not cyclically inside (hole, j].
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        table[2 * hole] = table[2 * j]!;
        table[2 * hole + 1] = table[2 * j + 1]!;
        hole = j;
      }
    }
    table[2 * hole] = 0;
    table[2 * hole + 1] = 0;
    // An emptied table goes back to its first size: an account that once held many ids at
    // a time kept its largest table for as long as the process ran (found by review).
    if (--this.#size === 0 && this.#mask + 1 > INITIAL_CAPACITY) this.clear();
    return true;
  }

  /** Forgets every id (the ring is re-laid out, or restored). */
  clear(): void {
    this.#table = new Int32Array(2 * INITIAL_CAPACITY);
    this.#mask = INITIAL_CAPACITY - 1;
    this.#size = 0;
  }

  #place(hash: number, slotPlusOne: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let i = hash & mask;
    while (table[2 * i + 1] !== 0) i = (i + 1) & mask;
    table[2 * i] = hash;
    table[2 * i + 1] = slotPlusOne;
  }

  #resize(capacity: number): void {
    const old = this.#table;
    this.#table = new Int32Array(2 * capacity);
    this.#mask = capacity - 1;
    for (let i = 1; i < old.length; i += 2) if (old[i] !== 0) this.#place(old[i - 1]!, old[i]!);
  }
}
