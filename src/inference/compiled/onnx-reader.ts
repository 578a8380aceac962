/**
 * Reads an ONNX ModelProto straight from the protobuf wire format, only the fields the compiled evaluator and
 * explanations use, into plain objects shaped like onnx-proto's (camelCase names, '' and 0 for absent scalars,
 * empty lists for absent repeated fields). It exists for cold starts: protobufjs builds a Long object per int64
 * and an object per node and attribute, about 50 ms on the first call for a 300-tree ensemble; this reads the
 * same model in about 10 (3 once V8 has optimised it).
 *
 * - int64 fields are numbers when they are safe integers, bigints otherwise (INT64_MAX as a Slice end, hashed
 *   ids as class labels), so every value stays exact; `protoNumber`/`protoBigInt` (onnx-tensor.ts) read both.
 * - bytes fields (`raw_data`, `s`) are subarrays of the input, not copies, and repeated bytes (`strings`,
 *   `string_data`) are `RepeatedBytes`, offsets into the input: the input must not change while the result is
 *   in use. (A subarray per value costs about 1 µs before V8 optimises anything: 20 ms for a 21,000-node tree's
 *   modes on a cold start.)
 * - repeated floats and doubles become typed arrays: one memcpy when packed, one pass over the run of records
 *   when not (proto2 writers such as the onnx Python package write one record per value). Repeated int64s are
 *   number arrays, or bigint arrays when some value is not a safe integer (so a consumer checks one element,
 *   not every one); runs of records are read in one tight loop.
 * - unknown fields are skipped by wire type; a truncated or malformed message, or a known field with the wrong
 *   wire type, is an error value naming the byte where reading stopped.
 *
 * @example
 * const read = readOnnxModel(bytes);
 * if (read.ok) console.log(read.model.graph?.node.map((n) => n.opType));
 */

/** A protobuf int64/uint64 value: a number when it is a safe integer, else the exact bigint. */
export type Int64 = number | bigint;

/** A repeated int64/uint64 field: numbers when every value is a safe integer, else every value as a bigint. */
export type Int64List = readonly number[] | readonly bigint[];

export interface OperatorSetIdProto {
  readonly domain: string;
  readonly version: Int64;
}

export interface ModelProto {
  readonly irVersion: Int64;
  readonly opsetImport: readonly OperatorSetIdProto[];
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graph: GraphProto | undefined;
}

export interface GraphProto {
  readonly name: string;
  readonly node: readonly NodeProto[];
  readonly initializer: readonly TensorProto[];
  readonly input: readonly ValueInfoProto[];
  readonly output: readonly ValueInfoProto[];
  readonly valueInfo: readonly ValueInfoProto[];
}

export interface NodeProto {
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly attribute: readonly AttributeProto[];
}

export interface AttributeProto {
  readonly name: string;
  /** AttributeProto.AttributeType (0 when the writer left it out). */
  readonly type: number;
  readonly f: number;
  readonly i: Int64;
  readonly s: Uint8Array;
  readonly t: TensorProto | undefined;
  readonly g: GraphProto | undefined;
  readonly floats: Float32Array;
  readonly ints: Int64List;
  readonly strings: RepeatedBytes;
  readonly tensors: readonly TensorProto[];
  readonly graphs: readonly GraphProto[];
}

export interface StringStringEntryProto {
  readonly key: string;
  readonly value: string;
}

export interface TensorProto {
  readonly name: string;
  readonly dims: Int64List;
  readonly dataType: number;
  /** Present when the tensor is one segment of a larger one. */
  readonly segment: { readonly begin: Int64; readonly end: Int64 } | undefined;
  readonly floatData: Float32Array;
  readonly int32Data: readonly number[];
  readonly stringData: RepeatedBytes;
  readonly int64Data: Int64List;
  readonly doubleData: Float64Array;
  readonly uint64Data: Int64List;
  readonly rawData: Uint8Array;
  /** 1 (EXTERNAL) when the values live in another file, named by `externalData`. */
  readonly dataLocation: number;
  readonly externalData: readonly StringStringEntryProto[];
}

export interface ValueInfoProto {
  readonly name: string;
  readonly type: TypeProto | undefined;
}

export interface TypeProto {
  readonly tensorType: TensorTypeProto | undefined;
  readonly sequenceType: { readonly elemType: TypeProto | undefined } | undefined;
  readonly mapType: { readonly keyType: number; readonly valueType: TypeProto | undefined } | undefined;
}

export interface TensorTypeProto {
  readonly elemType: number;
  readonly shape: { readonly dim: readonly TensorShapeDimension[] } | undefined;
}

/** One dimension: `dimValue` and `dimParam` are undefined when absent (an unknown dimension has neither). */
export interface TensorShapeDimension {
  readonly dimValue: Int64 | undefined;
  readonly dimParam: string | undefined;
}

/** A repeated bytes field: values stay in the input, each a [start, end) pair of `bounds`. */
export class RepeatedBytes {
  readonly #source: Uint8Array;
  readonly #bounds: readonly number[];

  constructor(source: Uint8Array, bounds: readonly number[]) {
    this.#source = source;
    this.#bounds = bounds;
  }

  get length(): number {
    return this.#bounds.length / 2;
  }

  at(index: number): Uint8Array {
    return this.#source.subarray(this.#bounds[index * 2], this.#bounds[index * 2 + 1]);
  }

  toArray(): Uint8Array[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i));
  }

  /**
   * The values as text, as `new TextDecoder().decode(value)` gives each (invalid bytes become U+FFFD, a leading
   * BOM is dropped). A run of ASCII values, such as a tree's node modes, is decoded in one call and sliced.
   */
  strings(): string[] {
    const bounds = this.#bounds;
    const count = bounds.length / 2;
    const out: string[] = new Array(count);
    if (count === 0) return out;
    const first = bounds[0]!;
    const last = bounds[bounds.length - 1]!;
    let size = 0;
    for (let i = 0; i < bounds.length; i += 2) size += bounds[i + 1]! - bounds[i]!;
    // Worth trying when there are a few values lying close together (a tag and a length byte between each).
    if (count > 8 && last - first <= 2 * size + 8 * count) {
      const span = textDecoder.decode(this.#source.subarray(first, last));
      // All ASCII: one character per byte, so byte offsets are string offsets.
      if (span.length === last - first && !NON_ASCII.test(span)) {
        for (let i = 0; i < count; i++) out[i] = span.slice(bounds[i * 2]! - first, bounds[i * 2 + 1]! - first);
        return out;
      }
    }
    for (let i = 0; i < count; i++) out[i] = textDecoder.decode(this.at(i));
    return out;
  }
}

const textDecoder = new TextDecoder();
// biome-ignore lint/suspicious/noControlCharactersInRegex: the range of ASCII, control characters included
const NON_ASCII = /[^\x00-\x7f]/;
const NO_BOUNDS: readonly number[] = Object.freeze([]);

export type ReadOnnxModelResult = { ok: true; model: ModelProto } | { ok: false; reason: string };

export interface ReadOptions {
  /**
   * Attributes longer than LAZY_ATTRIBUTE_BYTES keep their bytes and are read on first use of a field other
   * than their name (which must come first; else they are read at once): for bytes read in full before (the
   * build's, see tree-image.ts), so a malformed value cannot go unnoticed until then.
   */
  lazyAttributes?: boolean;
}

/** Attributes at least this long are read lazily when ReadOptions.lazyAttributes is set (a tree's lists are 10–1000× longer). */
export const LAZY_ATTRIBUTE_BYTES = 1024;

export function readOnnxModel(bytes: Uint8Array, options: ReadOptions = {}): ReadOnnxModelResult {
  try {
    const r = new WireReader(bytes);
    r.lazyAttributes = options.lazyAttributes === true;
    return { ok: true, model: readModel(r, bytes.length) };
  } catch (error) {
    if (error instanceof MalformedProto) return { ok: false, reason: error.message };
    throw error;
  }
}

/** One field of a message as it sits in the bytes: tag at `start`, value at [valueStart, end). */
export interface FieldSpan {
  readonly field: number;
  readonly wireType: number;
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
}

/**
 * The top-level fields of the message in `bytes`, in order, so a message can be rewritten by copying spans
 * (explanations drop nodes and outputs this way, keeping every other byte as it was). For bytes readOnnxModel
 * has read; malformed ones throw.
 */
export function fieldSpans(bytes: Uint8Array): FieldSpan[] {
  const r = new WireReader(bytes);
  const end = bytes.length;
  const spans: FieldSpan[] = [];
  while (r.pos < end) {
    const start = r.pos;
    const tag = r.tag(end);
    const wireType = tag & 7;
    let valueStart = r.pos;
    if (wireType === LEN) {
      const length = r.length(end);
      valueStart = r.pos;
      r.pos += length;
    } else {
      r.skip(tag, end);
    }
    spans.push({ field: tag >>> 3, wireType, start, valueStart, end: r.pos });
  }
  return spans;
}

class MalformedProto extends Error {}

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const I32 = 5;

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
// Protobuf string fields keep a leading U+FEFF, as onnx-proto did; RepeatedBytes.strings() uses TextDecoder's
// defaults, as the evaluator did when it decoded attribute strings itself.
const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const NO_BYTES: Uint8Array = new Uint8Array(0);

class WireReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos = 0;
  /** High 32 bits of the last varint read. */
  hi = 0;
  /** See ReadOptions. */
  lazyAttributes = false;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(what: string): never {
    throw new MalformedProto(`${what} at byte ${this.pos}`);
  }

  /** A varint's low 32 bits (its high 32 in `hi`); at most 10 bytes, all before `end`. */
  varint(end: number): number {
    const b = this.bytes;
    let p = this.pos;
    if (p >= end) this.fail('truncated varint');
    let byte = b[p++]!;
    if (byte < 0x80) {
      this.pos = p;
      this.hi = 0;
      return byte;
    }
    let lo = byte & 0x7f;
    let hi = 0;
    for (let shift = 7; ; shift += 7) {
      if (p >= end) {
        this.pos = p;
        this.fail('truncated varint');
      }
      byte = b[p++]!;
      if (shift < 28) lo |= (byte & 0x7f) << shift;
      else if (shift === 28) {
        lo |= byte << 28;
        hi = (byte & 0x7f) >>> 4;
      } else hi |= (byte & 0x7f) << (shift - 32);
      if (byte < 0x80) break;
      if (shift === 63) {
        this.pos = p;
        this.fail('varint longer than 10 bytes');
      }
    }
    this.pos = p;
    this.hi = hi;
    return lo >>> 0;
  }

  /** An int32 or enum (negative ones are written as 10-byte varints). */
  int32(end: number): number {
    return this.varint(end) | 0;
  }

  int64(end: number): Int64 {
    const lo = this.varint(end);
    const hi = this.hi;
    if (hi === 0) return lo;
    const value = (hi | 0) * 4294967296 + lo;
    return Number.isSafeInteger(value) ? value : BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo));
  }

  uint64(end: number): Int64 {
    const lo = this.varint(end);
    const hi = this.hi >>> 0;
    if (hi === 0) return lo;
    const value = hi * 4294967296 + lo;
    return Number.isSafeInteger(value) ? value : (BigInt(hi) << 32n) | BigInt(lo);
  }

  tag(end: number): number {
    const tag = this.varint(end);
    if (this.hi !== 0 || tag >>> 3 === 0) this.fail(`invalid field tag ${tag}`);
    return tag;
  }

  /** A length prefix, checked against the bytes left before `end`. */
  length(end: number): number {
    const at = this.pos;
    const length = this.varint(end);
    if (this.hi !== 0 || length > end - this.pos) {
      const left = end - this.pos;
      this.pos = at;
      this.fail(
        `length ${this.hi !== 0 ? 'of 2^32 or more' : length} runs past the end of its message (${left} byte${left === 1 ? '' : 's'} left)`,
      );
    }
    return length;
  }

  bytesField(end: number): Uint8Array {
    const length = this.length(end);
    const start = this.pos;
    this.pos += length;
    return length === 0 ? NO_BYTES : this.bytes.subarray(start, this.pos);
  }

  string(end: number): string {
    const length = this.length(end);
    const start = this.pos;
    this.pos += length;
    if (length === 0) return '';
    // Names are short and ASCII; building them directly beats a TextDecoder call.
    if (length <= 24) {
      const b = this.bytes;
      let s = '';
      for (let p = start; p < start + length; p++) {
        const c = b[p]!;
        if (c >= 0x80) return utf8.decode(b.subarray(start, start + length));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return utf8.decode(this.bytes.subarray(start, this.pos));
  }

  float(end: number): number {
    if (end - this.pos < 4) this.fail('truncated float');
    const value = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return value;
  }

  /** Skips the value of an unknown field (its tag already read). */
  skip(tag: number, end: number): void {
    switch (tag & 7) {
      case VARINT:
        this.varint(end);
        return;
      case I64:
        if (end - this.pos < 8) this.fail('truncated fixed64');
        this.pos += 8;
        return;
      case LEN: {
        const length = this.length(end);
        this.pos += length;
        return;
      }
      case I32:
        if (end - this.pos < 4) this.fail('truncated fixed32');
        this.pos += 4;
        return;
      case START_GROUP:
        for (;;) {
          if (this.pos >= end) this.fail(`unterminated group ${tag >>> 3}`);
          const inner = this.tag(end);
          if ((inner & 7) === END_GROUP) {
            if (inner >>> 3 !== tag >>> 3) this.fail(`group ${tag >>> 3} ended as ${inner >>> 3}`);
            return;
          }
          this.skip(inner, end);
        }
      default:
        this.fail(`invalid wire type ${tag & 7} (field ${tag >>> 3})`);
    }
  }

  /** Fails unless a known field has the wire type its declaration implies. */
  expect(tag: number, wireType: number, field: string): void {
    if ((tag & 7) !== wireType) this.fail(`${field} has wire type ${tag & 7}, expected ${wireType}`);
  }

  /** The end of a length-delimited field's value, with the reader at its start. */
  message(tag: number, end: number, field: string): number {
    this.expect(tag, LEN, field);
    const length = this.length(end);
    return this.pos + length;
  }
}

const INT64 = 0;
const UINT64 = 1;
const INT32 = 2;

/**
 * Appends a repeated varint field (int64, uint64 or int32): one packed record, or the run of unpacked records
 * that starts here (records of the same field written back to back, as proto2 writers do). Values of up to
 * three bytes (below 2^21) are decoded inline: a call per value is what makes a cold start slow.
 */
function readVarints(r: WireReader, tag: number, end: number, field: string, into: Int64[], kind: number): boolean {
  const b = r.bytes;
  const packed = (tag & 7) === LEN;
  if (!packed) r.expect(tag, VARINT, field);
  const stop = packed ? r.length(end) + r.pos : end;
  let p = r.pos;
  if (!packed && p >= end) r.fail('truncated varint');
  let big = false;
  let n = into.length;
  while (p < stop) {
    let value: Int64;
    const b0 = b[p]!;
    if (b0 < 0x80) {
      value = b0;
      p += 1;
    } else if (stop - p >= 4 && b[p + 1]! < 0x80) {
      value = (b0 & 0x7f) | (b[p + 1]! << 7);
      p += 2;
    } else if (stop - p >= 4 && b[p + 2]! < 0x80) {
      value = (b0 & 0x7f) | ((b[p + 1]! & 0x7f) << 7) | (b[p + 2]! << 14);
      p += 3;
    } else {
      r.pos = p;
      value = kind === INT64 ? r.int64(stop) : kind === UINT64 ? r.uint64(stop) : r.int32(stop);
      p = r.pos;
      if (typeof value === 'bigint') big = true;
    }
    into[n++] = value;
    if (!packed) {
      if (tag < 0x80 && p < end && b[p] === tag) p++;
      else break;
    }
  }
  r.pos = p;
  return big;
}

/** Reads a repeated float (width 4) or double (width 8) field: a packed record or a run of unpacked ones. */
function readFixed<A extends Float32Array | Float64Array>(
  r: WireReader,
  tag: number,
  end: number,
  field: string,
  sofar: A | undefined,
  width: 4 | 8,
  make: (n: number) => A,
): A {
  let chunk: A;
  if ((tag & 7) === LEN) {
    const length = r.length(end);
    if (length % width !== 0) r.fail(`${field} has ${length} bytes, not a multiple of ${width}`);
    chunk = make(length / width);
    if (LITTLE_ENDIAN) new Uint8Array(chunk.buffer).set(r.bytes.subarray(r.pos, r.pos + length));
    else
      for (let i = 0; i < chunk.length; i++)
        chunk[i] = width === 4 ? r.view.getFloat32(r.pos + i * 4, true) : r.view.getFloat64(r.pos + i * 8, true);
    r.pos += length;
  } else {
    r.expect(tag, width === 4 ? I32 : I64, field);
    const b = r.bytes;
    const first = r.pos;
    if (end - first < width) r.fail(`truncated ${field}`);
    // Count the records of the run: value, then the same tag byte and the next value.
    const stride = width + 1;
    let n = 1;
    if (tag < 0x80) for (let p = first + width; p + stride <= end && b[p] === tag; p += stride) n++;
    chunk = make(n);
    const view = r.view;
    if (width === 4) for (let i = 0; i < n; i++) chunk[i] = view.getFloat32(first + i * stride, true);
    else for (let i = 0; i < n; i++) chunk[i] = view.getFloat64(first + i * stride, true);
    r.pos = first + (n - 1) * stride + width;
  }
  if (sofar === undefined || sofar.length === 0) return chunk;
  const joined = make(sofar.length + chunk.length);
  joined.set(sofar);
  joined.set(chunk, sofar.length);
  return joined;
}

/** Appends a repeated bytes field's [start, end) offsets: the run of records that starts here. */
function readBytesRun(r: WireReader, tag: number, end: number, field: string, bounds: number[]): void {
  r.expect(tag, LEN, field);
  const b = r.bytes;
  let p = r.pos;
  for (;;) {
    let length: number;
    if (p < end && b[p]! < 0x80) length = b[p++]!;
    else {
      r.pos = p;
      length = r.length(end);
      p = r.pos;
    }
    if (length > end - p) {
      r.pos = p - 1;
      r.fail(`length ${length} runs past the end of its message (${end - p} byte${end - p === 1 ? '' : 's'} left)`);
    }
    bounds[bounds.length] = p;
    bounds[bounds.length] = p + length;
    p += length;
    if (tag < 0x80 && p < end && b[p] === tag) p++;
    else break;
  }
  r.pos = p;
}

/** A repeated int64 field's values: as they are when all are numbers, else all as bigints. */
function int64List(values: Int64[], big: boolean): Int64List {
  return big ? values.map((v) => BigInt(v)) : (values as number[]);
}

function repeatedBytes(r: WireReader, bounds: number[]): RepeatedBytes {
  return new RepeatedBytes(r.bytes, bounds.length === 0 ? NO_BOUNDS : bounds);
}

const float32s = (n: number) => new Float32Array(n);
const float64s = (n: number) => new Float64Array(n);
const NO_FLOATS = new Float32Array(0);
const NO_DOUBLES = new Float64Array(0);

function readModel(r: WireReader, end: number): ModelProto {
  let irVersion: Int64 = 0;
  const opsetImport: OperatorSetIdProto[] = [];
  let producerName = '';
  let producerVersion = '';
  let graph: GraphProto | undefined;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, VARINT, 'ModelProto.ir_version');
        irVersion = r.int64(end);
        break;
      case 8:
        opsetImport.push(readOperatorSetId(r, r.message(tag, end, 'ModelProto.opset_import')));
        break;
      case 2:
        r.expect(tag, LEN, 'ModelProto.producer_name');
        producerName = r.string(end);
        break;
      case 3:
        r.expect(tag, LEN, 'ModelProto.producer_version');
        producerVersion = r.string(end);
        break;
      case 7:
        graph = readGraph(r, r.message(tag, end, 'ModelProto.graph'));
        break;
      default:
        r.skip(tag, end);
    }
  }
  return { irVersion, opsetImport, producerName, producerVersion, graph };
}

function readOperatorSetId(r: WireReader, end: number): OperatorSetIdProto {
  let domain = '';
  let version: Int64 = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, LEN, 'OperatorSetIdProto.domain');
        domain = r.string(end);
        break;
      case 2:
        r.expect(tag, VARINT, 'OperatorSetIdProto.version');
        version = r.int64(end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  return { domain, version };
}

function readGraph(r: WireReader, end: number): GraphProto {
  let name = '';
  const node: NodeProto[] = [];
  const initializer: TensorProto[] = [];
  const input: ValueInfoProto[] = [];
  const output: ValueInfoProto[] = [];
  const valueInfo: ValueInfoProto[] = [];
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        node.push(readNode(r, r.message(tag, end, 'GraphProto.node')));
        break;
      case 2:
        r.expect(tag, LEN, 'GraphProto.name');
        name = r.string(end);
        break;
      case 5:
        initializer.push(readTensor(r, r.message(tag, end, 'GraphProto.initializer')));
        break;
      case 11:
        input.push(readValueInfo(r, r.message(tag, end, 'GraphProto.input')));
        break;
      case 12:
        output.push(readValueInfo(r, r.message(tag, end, 'GraphProto.output')));
        break;
      case 13:
        valueInfo.push(readValueInfo(r, r.message(tag, end, 'GraphProto.value_info')));
        break;
      default:
        r.skip(tag, end);
    }
  }
  return { name, node, initializer, input, output, valueInfo };
}

function readNode(r: WireReader, end: number): NodeProto {
  const input: string[] = [];
  const output: string[] = [];
  let name = '';
  let opType = '';
  let domain = '';
  const attribute: AttributeProto[] = [];
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, LEN, 'NodeProto.input');
        input.push(r.string(end));
        break;
      case 2:
        r.expect(tag, LEN, 'NodeProto.output');
        output.push(r.string(end));
        break;
      case 3:
        r.expect(tag, LEN, 'NodeProto.name');
        name = r.string(end);
        break;
      case 4:
        r.expect(tag, LEN, 'NodeProto.op_type');
        opType = r.string(end);
        break;
      case 7:
        r.expect(tag, LEN, 'NodeProto.domain');
        domain = r.string(end);
        break;
      case 5:
        {
          const attributeEnd = r.message(tag, end, 'NodeProto.attribute');
          // A name first (tag 1, length-delimited: 0x0a) of at most 127 bytes, which ONNX writers always put there.
          if (r.lazyAttributes && attributeEnd - r.pos >= LAZY_ATTRIBUTE_BYTES && r.bytes[r.pos] === 0x0a && r.bytes[r.pos + 1]! < 0x80) {
            const start = r.pos;
            r.pos++;
            attribute.push(new LazyAttribute(r.bytes, r.string(attributeEnd), start, attributeEnd));
            r.pos = attributeEnd;
          } else attribute.push(readAttribute(r, attributeEnd));
        }
        break;
      default:
        r.skip(tag, end);
    }
  }
  return { input, output, name, opType, domain, attribute };
}

/** An attribute whose name is known and whose other fields are read from its bytes on first use. */
class LazyAttribute implements AttributeProto {
  readonly name: string;
  readonly #bytes: Uint8Array;
  readonly #start: number;
  readonly #end: number;
  #read: AttributeProto | undefined;

  constructor(bytes: Uint8Array, name: string, start: number, end: number) {
    this.name = name;
    this.#bytes = bytes;
    this.#start = start;
    this.#end = end;
  }

  get #all(): AttributeProto {
    if (this.#read === undefined) {
      const r = new WireReader(this.#bytes);
      r.pos = this.#start;
      this.#read = readAttribute(r, this.#end);
    }
    return this.#read;
  }

  get type() {
    return this.#all.type;
  }
  get f() {
    return this.#all.f;
  }
  get i() {
    return this.#all.i;
  }
  get s() {
    return this.#all.s;
  }
  get t() {
    return this.#all.t;
  }
  get g() {
    return this.#all.g;
  }
  get floats() {
    return this.#all.floats;
  }
  get ints() {
    return this.#all.ints;
  }
  get strings() {
    return this.#all.strings;
  }
  get tensors() {
    return this.#all.tensors;
  }
  get graphs() {
    return this.#all.graphs;
  }
}

function readAttribute(r: WireReader, end: number): AttributeProto {
  let name = '';
  let type = 0;
  let f = 0;
  let i: Int64 = 0;
  let s = NO_BYTES;
  let t: TensorProto | undefined;
  let g: GraphProto | undefined;
  let floats: Float32Array | undefined;
  const ints: Int64[] = [];
  let intsBig = false;
  const strings: number[] = [];
  const tensors: TensorProto[] = [];
  const graphs: GraphProto[] = [];
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, LEN, 'AttributeProto.name');
        name = r.string(end);
        break;
      case 20:
        r.expect(tag, VARINT, 'AttributeProto.type');
        type = r.int32(end);
        break;
      case 2:
        r.expect(tag, I32, 'AttributeProto.f');
        f = r.float(end);
        break;
      case 3:
        r.expect(tag, VARINT, 'AttributeProto.i');
        i = r.int64(end);
        break;
      case 4:
        r.expect(tag, LEN, 'AttributeProto.s');
        s = r.bytesField(end);
        break;
      case 5:
        t = readTensor(r, r.message(tag, end, 'AttributeProto.t'));
        break;
      case 6:
        g = readGraph(r, r.message(tag, end, 'AttributeProto.g'));
        break;
      case 7:
        floats = readFixed(r, tag, end, 'AttributeProto.floats', floats, 4, float32s);
        break;
      case 8:
        intsBig = readVarints(r, tag, end, 'AttributeProto.ints', ints, INT64) || intsBig;
        break;
      case 9:
        readBytesRun(r, tag, end, 'AttributeProto.strings', strings);
        break;
      case 10:
        tensors.push(readTensor(r, r.message(tag, end, 'AttributeProto.tensors')));
        break;
      case 11:
        graphs.push(readGraph(r, r.message(tag, end, 'AttributeProto.graphs')));
        break;
      default:
        r.skip(tag, end);
    }
  }
  return {
    name,
    type,
    f,
    i,
    s,
    t,
    g,
    floats: floats ?? NO_FLOATS,
    ints: int64List(ints, intsBig),
    strings: repeatedBytes(r, strings),
    tensors,
    graphs,
  };
}

function readTensor(r: WireReader, end: number): TensorProto {
  let name = '';
  const dims: Int64[] = [];
  let dimsBig = false;
  let dataType = 0;
  let segment: TensorProto['segment'];
  let floatData: Float32Array | undefined;
  const int32Data: number[] = [];
  const stringData: number[] = [];
  const int64Data: Int64[] = [];
  let int64Big = false;
  let doubleData: Float64Array | undefined;
  const uint64Data: Int64[] = [];
  let uint64Big = false;
  let rawData = NO_BYTES;
  let dataLocation = 0;
  const externalData: StringStringEntryProto[] = [];
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        dimsBig = readVarints(r, tag, end, 'TensorProto.dims', dims, INT64) || dimsBig;
        break;
      case 2:
        r.expect(tag, VARINT, 'TensorProto.data_type');
        dataType = r.int32(end);
        break;
      case 3:
        segment = readSegment(r, r.message(tag, end, 'TensorProto.segment'));
        break;
      case 4:
        floatData = readFixed(r, tag, end, 'TensorProto.float_data', floatData, 4, float32s);
        break;
      case 5:
        readVarints(r, tag, end, 'TensorProto.int32_data', int32Data, INT32);
        break;
      case 6:
        readBytesRun(r, tag, end, 'TensorProto.string_data', stringData);
        break;
      case 7:
        int64Big = readVarints(r, tag, end, 'TensorProto.int64_data', int64Data, INT64) || int64Big;
        break;
      case 8:
        r.expect(tag, LEN, 'TensorProto.name');
        name = r.string(end);
        break;
      case 9:
        r.expect(tag, LEN, 'TensorProto.raw_data');
        rawData = r.bytesField(end);
        break;
      case 10:
        doubleData = readFixed(r, tag, end, 'TensorProto.double_data', doubleData, 8, float64s);
        break;
      case 11:
        uint64Big = readVarints(r, tag, end, 'TensorProto.uint64_data', uint64Data, UINT64) || uint64Big;
        break;
      case 13:
        externalData.push(readStringStringEntry(r, r.message(tag, end, 'TensorProto.external_data')));
        break;
      case 14:
        r.expect(tag, VARINT, 'TensorProto.data_location');
        dataLocation = r.int32(end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  return {
    name,
    dims: int64List(dims, dimsBig),
    dataType,
    segment,
    floatData: floatData ?? NO_FLOATS,
    int32Data,
    stringData: repeatedBytes(r, stringData),
    int64Data: int64List(int64Data, int64Big),
    doubleData: doubleData ?? NO_DOUBLES,
    uint64Data: int64List(uint64Data, uint64Big),
    rawData,
    dataLocation,
    externalData,
  };
}

function readSegment(r: WireReader, end: number): { begin: Int64; end: Int64 } {
  let begin: Int64 = 0;
  let last: Int64 = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, VARINT, 'TensorProto.Segment.begin');
        begin = r.int64(end);
        break;
      case 2:
        r.expect(tag, VARINT, 'TensorProto.Segment.end');
        last = r.int64(end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  return { begin, end: last };
}

function readStringStringEntry(r: WireReader, end: number): StringStringEntryProto {
  let key = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, LEN, 'StringStringEntryProto.key');
        key = r.string(end);
        break;
      case 2:
        r.expect(tag, LEN, 'StringStringEntryProto.value');
        value = r.string(end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  return { key, value };
}

function readValueInfo(r: WireReader, end: number): ValueInfoProto {
  let name = '';
  let type: TypeProto | undefined;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, LEN, 'ValueInfoProto.name');
        name = r.string(end);
        break;
      case 2:
        type = readType(r, r.message(tag, end, 'ValueInfoProto.type'));
        break;
      default:
        r.skip(tag, end);
    }
  }
  return { name, type };
}

function readType(r: WireReader, end: number): TypeProto {
  let tensorType: TensorTypeProto | undefined;
  let sequenceType: TypeProto['sequenceType'];
  let mapType: TypeProto['mapType'];
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        tensorType = readTensorType(r, r.message(tag, end, 'TypeProto.tensor_type'));
        break;
      case 4:
        sequenceType = readSequenceType(r, r.message(tag, end, 'TypeProto.sequence_type'));
        break;
      case 5:
        mapType = readMapType(r, r.message(tag, end, 'TypeProto.map_type'));
        break;
      default:
        r.skip(tag, end);
    }
  }
  return { tensorType, sequenceType, mapType };
}

function readTensorType(r: WireReader, end: number): TensorTypeProto {
  let elemType = 0;
  let shape: TensorTypeProto['shape'];
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, VARINT, 'TypeProto.Tensor.elem_type');
        elemType = r.int32(end);
        break;
      case 2:
        shape = readShape(r, r.message(tag, end, 'TypeProto.Tensor.shape'));
        break;
      default:
        r.skip(tag, end);
    }
  }
  return { elemType, shape };
}

function readSequenceType(r: WireReader, end: number): { elemType: TypeProto | undefined } {
  let elemType: TypeProto | undefined;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag >>> 3 === 1) elemType = readType(r, r.message(tag, end, 'TypeProto.Sequence.elem_type'));
    else r.skip(tag, end);
  }
  return { elemType };
}

function readMapType(r: WireReader, end: number): { keyType: number; valueType: TypeProto | undefined } {
  let keyType = 0;
  let valueType: TypeProto | undefined;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, VARINT, 'TypeProto.Map.key_type');
        keyType = r.int32(end);
        break;
      case 2:
        valueType = readType(r, r.message(tag, end, 'TypeProto.Map.value_type'));
        break;
      default:
        r.skip(tag, end);
    }
  }
  return { keyType, valueType };
}

function readShape(r: WireReader, end: number): { dim: TensorShapeDimension[] } {
  const dim: TensorShapeDimension[] = [];
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag >>> 3 === 1) dim.push(readDimension(r, r.message(tag, end, 'TensorShapeProto.dim')));
    else r.skip(tag, end);
  }
  return { dim };
}

function readDimension(r: WireReader, end: number): TensorShapeDimension {
  let dimValue: Int64 | undefined;
  let dimParam: string | undefined;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, VARINT, 'TensorShapeProto.Dimension.dim_value');
        dimValue = r.int64(end);
        break;
      case 2:
        r.expect(tag, LEN, 'TensorShapeProto.Dimension.dim_param');
        dimParam = r.string(end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  return { dimValue, dimParam };
}
