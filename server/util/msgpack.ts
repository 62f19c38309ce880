/**
 * MessagePack with one encoder and one decoder for the process: the library's encode() and
 * decode() build a new codec (and a 2 KiB buffer) on every call, which dominated listing.
 * Both are synchronous and reentrant, so sharing them is safe.
 */
import { Decoder, Encoder } from "@msgpack/msgpack";

const encoder = new Encoder();
const decoder = new Decoder();

export function encode(value: unknown): Uint8Array {
  return encoder.encode(value);
}

/**
 * Messages between nodes leave undefined fields out. Sent as nil, they would arrive as null,
 * which no handler expects (a range query's missing bound would become a null KV key part).
 * Stored entries keep the plain encoder: their bytes must not change.
 */
const messageEncoder = new Encoder({ ignoreUndefined: true });

export function encodeMessage(value: unknown): Uint8Array {
  return messageEncoder.encode(value);
}

export function decode(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}

/** Strings a reader compares against, encoded once (see MsgpackReader.oneOf). */
export type Choices = readonly Uint8Array[];

export function choices(...names: string[]): Choices {
  return names.map((n) => new TextEncoder().encode(n));
}

/**
 * Reads MessagePack in place, one value at a time, so a caller can take the few fields it needs
 * and skip the rest without building objects or decoding strings it will not read.
 */
export class MsgpackReader {
  #pos = 0;
  #dataView?: DataView;

  constructor(readonly bytes: Uint8Array) {}

  /** Made only for the rare signed and float numbers: most entries need none. */
  get #view(): DataView {
    const b = this.bytes;
    return this.#dataView ??= new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /** Passes over a nil here (an undefined field) and says whether there was one. */
  nil(): boolean {
    if (this.bytes[this.#pos] !== 0xc0) return false;
    this.#pos++;
    return true;
  }

  /** The entry count of the map that starts here. */
  map(): number {
    const t = this.bytes[this.#pos++];
    if ((t & 0xf0) === 0x80) return t & 0x0f;
    if (t === 0xde) return this.#uint(2);
    if (t === 0xdf) return this.#uint(4);
    throw new Error(`msgpack: expected a map, found 0x${t.toString(16)}`);
  }

  /** The length of the array that starts here. */
  array(): number {
    const t = this.bytes[this.#pos++];
    if ((t & 0xf0) === 0x90) return t & 0x0f;
    if (t === 0xdc) return this.#uint(2);
    if (t === 0xdd) return this.#uint(4);
    throw new Error(`msgpack: expected an array, found 0x${t.toString(16)}`);
  }

  string(): string {
    const len = this.#stringLength();
    const start = this.#pos;
    this.#pos += len;
    const b = this.bytes.subarray(start, start + len);
    if (len > 64) return utf8.decode(b);
    for (let i = 0; i < len; i++) if (b[i] >= 0x80) return utf8.decode(b);
    // Short ASCII (field names, ETags): one string made at once, no decoder call.
    return String.fromCharCode.apply(null, b as unknown as number[]);
  }

  /**
   * Reads the string that starts here and answers its index in `choices`, or -1: field names
   * and enum values are compared as bytes, so no string is made for them.
   */
  oneOf(choices: Choices): number {
    const len = this.#stringLength();
    const start = this.#pos;
    this.#pos += len;
    const b = this.bytes;
    next: for (let c = 0; c < choices.length; c++) {
      const want = choices[c];
      if (want.length !== len) continue;
      for (let i = 0; i < len; i++) if (b[start + i] !== want[i]) continue next;
      return c;
    }
    return -1;
  }

  number(): number {
    const t = this.bytes[this.#pos++];
    if (t < 0x80) return t;
    if (t >= 0xe0) return t - 0x100;
    const at = this.#pos;
    switch (t) {
      case 0xcc:
      case 0xcd:
      case 0xce:
        return this.#uint(1 << (t - 0xcc));
      case 0xcf:
        this.#pos += 8;
        return this.#u32(at) * 2 ** 32 + this.#u32(at + 4);
    }
    const v = this.#view;
    switch (t) {
      case 0xca:
        this.#pos += 4;
        return v.getFloat32(at);
      case 0xcb:
        this.#pos += 8;
        return v.getFloat64(at);
      case 0xd0:
        this.#pos += 1;
        return v.getInt8(at);
      case 0xd1:
        this.#pos += 2;
        return v.getInt16(at);
      case 0xd2:
        this.#pos += 4;
        return v.getInt32(at);
      case 0xd3:
        this.#pos += 8;
        return v.getInt32(at) * 2 ** 32 + v.getUint32(at + 4);
    }
    throw new Error(`msgpack: expected a number, found 0x${t.toString(16)}`);
  }

  /** Whether the value that starts here is binary. */
  isBinary(): boolean {
    const t = this.bytes[this.#pos];
    return t >= 0xc4 && t <= 0xc6;
  }

  /** The binary value that starts here, as a view of the bytes read (not a copy). */
  binary(): Uint8Array {
    const t = this.bytes[this.#pos++];
    if (!(t >= 0xc4 && t <= 0xc6)) {
      throw new Error(`msgpack: expected binary, found 0x${t?.toString(16)}`);
    }
    const len = this.#uint(1 << (t - 0xc4));
    const start = this.#pos;
    this.#pos += len;
    // Also false when the length itself was cut off (NaN).
    if (!(this.#pos <= this.bytes.length)) throw new Error("msgpack: binary runs past the end");
    return this.bytes.subarray(start, this.#pos);
  }

  /** Whether every byte has been read. */
  get done(): boolean {
    return this.#pos === this.bytes.length;
  }

  /** Passes over the value that starts here, whatever it is. */
  skip(): void {
    const t = this.bytes[this.#pos];
    if (t < 0x80 || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) {
      this.#pos++;
    } else if ((t & 0xf0) === 0x80 || t === 0xde || t === 0xdf) {
      for (let n = this.map() * 2; n > 0; n--) this.skip();
    } else if ((t & 0xf0) === 0x90 || t === 0xdc || t === 0xdd) {
      for (let n = this.array(); n > 0; n--) this.skip();
    } else if ((t & 0xe0) === 0xa0 || (t >= 0xd9 && t <= 0xdb)) {
      const len = this.#stringLength();
      this.#pos += len;
    } else if (t >= 0xc4 && t <= 0xc6) {
      this.#pos++;
      const len = this.#uint(1 << (t - 0xc4));
      this.#pos += len;
    } else if (t >= 0xca && t <= 0xd3) {
      this.number();
    } else if (t >= 0xd4 && t <= 0xd8) {
      // fixext 1, 2, 4, 8, 16: type byte and data.
      this.#pos += 2 + (1 << (t - 0xd4));
    } else if (t >= 0xc7 && t <= 0xc9) {
      this.#pos++;
      const len = this.#uint(1 << (t - 0xc7));
      this.#pos += 1 + len;
    } else {
      throw new Error(`msgpack: unknown type 0x${t.toString(16)}`);
    }
  }

  #stringLength(): number {
    const t = this.bytes[this.#pos++];
    if ((t & 0xe0) === 0xa0) return t & 0x1f;
    if (t === 0xd9) return this.#uint(1);
    if (t === 0xda) return this.#uint(2);
    if (t === 0xdb) return this.#uint(4);
    throw new Error(`msgpack: expected a string, found 0x${t.toString(16)}`);
  }

  #uint(size: number): number {
    const at = this.#pos;
    this.#pos += size;
    const b = this.bytes;
    return size === 1 ? b[at] : size === 2 ? (b[at] << 8) | b[at + 1] : this.#u32(at);
  }

  #u32(at: number): number {
    const b = this.bytes;
    return b[at] * 2 ** 24 + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
  }
}

const utf8 = new TextDecoder();
