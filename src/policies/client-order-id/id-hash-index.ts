/**
 * One account's client order ids → their place in the known-id ring ({@link KnownIds}): an
 * open-addressing table (linear probing) over two typed arrays, the id's hash and its tag
 * (the entry's acceptance sequence modulo 2^30, + 1; 0 = empty). A lookup of an id that is not there (the common case: every new
 * order) reads one run of the hash array and never touches a string; a hash match is
 * confirmed against the ring's text. No object per id, so the young-generation collector
 * has nothing to copy for the ids a busy account keeps for the retention (a `Map` made an
 * entry object per id and walked a chain of keys per lookup).
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
  textOfTag(tag: number): string;
}

export class IdHashIndex {
  #hashes = new Int32Array(INITIAL_CAPACITY);
  /** Tag + 1; 0 marks a free cell. */
  #slots = new Int32Array(INITIAL_CAPACITY);
  #mask = INITIAL_CAPACITY - 1;
  #size = 0;

  /** The account these ids belong to (snapshots list it with each id). */
  constructor(readonly accountId: bigint) {}

  get size(): number {
    return this.#size;
  }

  /** The tag of `text`, or -1. `texts` gives the id text a tag stands for (to confirm a hash match). */
  find(text: string, hash: number, texts: TagTexts): number {
    const hashes = this.#hashes;
    const slots = this.#slots;
    const mask = this.#mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slot = slots[i]!;
      if (slot === 0) return -1;
      if (hashes[i] === hash && texts.textOfTag(slot - 1) === text) return slot - 1;
    }
  }

  /** Adds an id known not to be present. */
  add(hash: number, tag: number): void {
    if ((this.#size + 1) * 2 > this.#slots.length) this.#resize(this.#slots.length * 2);
    this.#place(hash, tag + 1);
    this.#size++;
  }

  /** Removes the cell holding `tag` (its id hashes to `hash`); false when there is none. */
  remove(hash: number, tag: number): boolean {
    const hashes = this.#hashes;
    const slots = this.#slots;
    const mask = this.#mask;
    let i = hash & mask;
    for (; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) return false;
      if (s === tag + 1) break;
    }
    // Backward-shift deletion: move later cells of the run into the hole when their home
    // position allows it, so lookups never need tombstones.
    let hole = i;
    for (let j = (i + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = hashes[j]! & mask;
      // The cell at j may move to the hole if its home is not cyclically inside (hole, j].
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        hashes[hole] = hashes[j]!;
        slots[hole] = slots[j]!;
        hole = j;
      }
    }
    slots[hole] = 0;
    hashes[hole] = 0;
    this.#size--;
    return true;
  }

  /** Forgets every id (the ring is re-laid out, or restored). */
  clear(): void {
    this.#hashes = new Int32Array(INITIAL_CAPACITY);
    this.#slots = new Int32Array(INITIAL_CAPACITY);
    this.#mask = INITIAL_CAPACITY - 1;
    this.#size = 0;
  }

  #place(hash: number, slotPlusOne: number): void {
    const mask = this.#mask;
    let i = hash & mask;
    while (this.#slots[i] !== 0) i = (i + 1) & mask;
    this.#hashes[i] = hash;
    this.#slots[i] = slotPlusOne;
  }

  #resize(capacity: number): void {
    const hashes = this.#hashes;
    const slots = this.#slots;
    this.#hashes = new Int32Array(capacity);
    this.#slots = new Int32Array(capacity);
    this.#mask = capacity - 1;
    for (let i = 0; i < slots.length; i++) if (slots[i] !== 0) this.#place(hashes[i]!, slots[i]!);
  }
}
