/** A fixed-size set of small integers (pod indices), for the matrix's set algebra. */
export class Bitset {
  readonly words: Uint32Array;

  constructor(readonly size: number, words?: Uint32Array) {
    this.words = words ?? new Uint32Array((size + 31) >>> 5);
  }

  static full(size: number): Bitset {
    const set = new Bitset(size);
    set.words.fill(0xffffffff);
    const extra = set.words.length * 32 - size;
    if (extra > 0 && set.words.length > 0) set.words[set.words.length - 1] = 0xffffffff >>> extra;
    return set;
  }

  static of(size: number, indices: Iterable<number>): Bitset {
    const set = new Bitset(size);
    for (const i of indices) set.add(i);
    return set;
  }

  add(i: number): void {
    this.words[i >>> 5] |= 1 << (i & 31);
  }

  has(i: number): boolean {
    return (this.words[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  /** The smallest member at or after `from`, or `size` when there is none. */
  next(from: number): number {
    const words = this.words;
    let w = from >>> 5;
    if (w >= words.length) return this.size;
    let word = words[w] & (0xffffffff << (from & 31));
    while (word === 0) {
      if (++w >= words.length) return this.size;
      word = words[w];
    }
    return Math.min(this.size, (w << 5) + 31 - Math.clz32(word & -word));
  }

  clone(): Bitset {
    return new Bitset(this.size, this.words.slice());
  }

  /** A copy over `size` members (at least this set's), the new ones absent. */
  grown(size: number): Bitset {
    const set = new Bitset(size);
    set.words.set(this.words);
    return set;
  }

  /** In place: this = this OR other. */
  or(other: Bitset): this {
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) a[i] |= b[i];
    return this;
  }

  /** In place: this = this AND other. */
  and(other: Bitset): this {
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) a[i] &= b[i];
    return this;
  }

  isEmpty(): boolean {
    for (let i = 0; i < this.words.length; i++) if (this.words[i] !== 0) return false;
    return true;
  }

  *[Symbol.iterator](): IterableIterator<number> {
    for (let w = 0; w < this.words.length; w++) {
      let word = this.words[w];
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        yield (w << 5) + bit;
        word &= word - 1;
      }
    }
  }
}
