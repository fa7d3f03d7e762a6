/**
 * Append-only typed-array columns that double when full. The trace stores events and messages
 * column-wise in these so a retained event costs tens of bytes, not a heap object per field.
 */
type TypedArray = Int32Array | Float64Array | Uint8Array;
type TypedArrayConstructor<A extends TypedArray> = new (length: number) => A;

export class Column<A extends TypedArray> {
  #data: A;
  #length = 0;
  readonly #ctor: TypedArrayConstructor<A>;

  constructor(ctor: TypedArrayConstructor<A>, capacity = 1024) {
    this.#ctor = ctor;
    this.#data = new ctor(capacity);
  }

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    if (this.#length === this.#data.length) {
      const bigger = new this.#ctor(this.#data.length * 2);
      bigger.set(this.#data as never);
      this.#data = bigger;
    }
    this.#data[this.#length++] = value;
  }

  get(index: number): number {
    return this.#data[index] as number;
  }

  set(index: number, value: number): void {
    this.#data[index] = value;
  }

  /** Bytes allocated (capacity, not length). */
  get bytes(): number {
    return this.#data.byteLength;
  }
}
