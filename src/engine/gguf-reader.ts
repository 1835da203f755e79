/** Reads the header of a GGUF model file (metadata and tensor layout) without its tensor data, refusing corrupt files. */
import { open } from "node:fs/promises";
import { InvalidModelFileError, ModelUnavailableError } from "../core/app-error.js";

export type GgufNumberType =
  | "uint8"
  | "int8"
  | "uint16"
  | "int16"
  | "uint32"
  | "int32"
  | "float32"
  | "float64";
export type GgufBigIntType = "uint64" | "int64";
export type GgufScalarType = GgufNumberType | GgufBigIntType | "bool" | "string";
export type GgufValueType = GgufScalarType | "array";

/** One metadata value with its GGUF type; llama.cpp checks the type, so it travels with the value. */
export type GgufValue =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigIntType; value: bigint }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | GgufArrayValue;

export type GgufArrayValue =
  | { type: "array"; itemType: GgufNumberType; value: readonly number[] }
  | { type: "array"; itemType: GgufBigIntType; value: readonly bigint[] }
  | { type: "array"; itemType: "bool"; value: readonly boolean[] }
  | { type: "array"; itemType: "string"; value: readonly string[] };

/** The type ids GGUF stores before each value. */
export const ggufValueTypeIds = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const satisfies Record<GgufValueType, number>;

const ggufValueTypeById: readonly GgufValueType[] = Object.entries(ggufValueTypeIds)
  .sort(([, left], [, right]) => left - right)
  .map(([name]) => name as GgufValueType);

/** Bytes of a fixed-size value; a string or an array has no fixed size. */
export const ggufValueSizes: Record<Exclude<GgufScalarType, "string">, number> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  bool: 1,
  uint64: 8,
  int64: 8,
  float64: 8,
};

export const ggufMagic = "GGUF";
/** The GGUF default when `general.alignment` is absent. */
export const ggufDefaultAlignment = 32;
/** ggml tensors have at most four dimensions. */
export const ggmlMaxDimensions = 4;
/** ggml stores names in a 64-byte buffer with a terminating zero. */
export const ggmlMaxNameBytes = 63;

/** How ggml packs one tensor type: `blockSize` elements take `typeSize` bytes. */
export type GgmlTypeInfo = { id: number; name: string; blockSize: number; typeSize: number };

/**
 * The tensor types of the llama.cpp bundled with node-llama-cpp 3.21.1 (ggml.c `type_traits`).
 * Ids that are missing (4, 5, 31-33, 36-38) were removed from ggml and are refused by it.
 */
export const ggmlTypes: ReadonlyMap<number, GgmlTypeInfo> = new Map(
  (
    [
      [0, "F32", 1, 4],
      [1, "F16", 1, 2],
      [2, "Q4_0", 32, 18],
      [3, "Q4_1", 32, 20],
      [6, "Q5_0", 32, 22],
      [7, "Q5_1", 32, 24],
      [8, "Q8_0", 32, 34],
      [9, "Q8_1", 32, 36],
      [10, "Q2_K", 256, 84],
      [11, "Q3_K", 256, 110],
      [12, "Q4_K", 256, 144],
      [13, "Q5_K", 256, 176],
      [14, "Q6_K", 256, 210],
      [15, "Q8_K", 256, 292],
      [16, "IQ2_XXS", 256, 66],
      [17, "IQ2_XS", 256, 74],
      [18, "IQ3_XXS", 256, 98],
      [19, "IQ1_S", 256, 50],
      [20, "IQ4_NL", 32, 18],
      [21, "IQ3_S", 256, 110],
      [22, "IQ2_S", 256, 82],
      [23, "IQ4_XS", 256, 136],
      [24, "I8", 1, 1],
      [25, "I16", 1, 2],
      [26, "I32", 1, 4],
      [27, "I64", 1, 8],
      [28, "F64", 1, 8],
      [29, "IQ1_M", 256, 56],
      [30, "BF16", 1, 2],
      [34, "TQ1_0", 256, 54],
      [35, "TQ2_0", 256, 66],
      [39, "MXFP4", 32, 17],
      [40, "NVFP4", 64, 36],
      [41, "Q1_0", 128, 18],
      [42, "Q2_0", 64, 18],
    ] as const
  ).map(([id, name, blockSize, typeSize]) => [id, { id, name, blockSize, typeSize }]),
);

export type GgufTensorInfo = {
  name: string;
  /** ggml order: the first dimension is the length of a row. */
  shape: number[];
  type: GgmlTypeInfo;
  /** Offset of the tensor's data from the start of the data section. */
  offset: number;
  /** Offset of the tensor's data from the start of the file. */
  fileOffset: number;
  elementCount: number;
  byteSize: number;
};

export type GgufHeader = {
  version: number;
  alignment: number;
  metadata: ReadonlyMap<string, GgufValue>;
  tensors: GgufTensorInfo[];
  /** Bytes of magic, counts, metadata and tensor infos, before the padding. */
  headerSize: number;
  /** Where the tensor data section starts (the header size rounded up to the alignment). */
  dataOffset: number;
  /** Bytes the data section needs: every tensor padded to the alignment. */
  dataSize: number;
  fileSize: number;
};

export type ReadGgufHeaderOptions = {
  /** A header larger than this is refused instead of read; real headers (even 256k-token vocabularies) are < 20 MB. */
  maxHeaderBytes?: number;
};

export type DecodeGgufHeaderOptions = {
  /** Size of the whole file when `bytes` holds only its beginning. Defaults to `bytes.length`. */
  fileSize?: number;
  /** How messages name the file, e.g. its path. */
  source?: string;
};

const defaultMaxHeaderBytes = 128 * 1024 * 1024;
const firstReadBytes = 1024 * 1024;
// gguf.cpp refuses longer strings and arrays; matching it keeps "accepted here" meaning "accepted there".
const maxStringBytes = 1024 * 1024 * 1024;
const maxArrayItems = 1024 * 1024 * 1024;
// The smallest possible key-value pair (8-byte length, 1-byte key, type, 1-byte value) and tensor info
// (8-byte length, empty name, dimension count, type, offset): a count that cannot fit in the rest of the file is corrupt.
const minKeyValueBytes = 8 + 1 + 4 + 1;
const minTensorInfoBytes = 8 + 4 + 4 + 8;

/** Reads and checks the header of the GGUF file at `path`; never reads tensor data. */
export async function readGgufHeader(path: string, options: ReadGgufHeaderOptions = {}): Promise<GgufHeader> {
  const maxHeaderBytes = options.maxHeaderBytes ?? defaultMaxHeaderBytes;
  const source = JSON.stringify(path);
  const handle = await openModelFile(path, source);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new InvalidModelFileError(`${source} is not a GGUF model file: it is not a regular file.`, {
        details: { path },
      });
    }
    const fileSize = stats.size;
    let bytes: Buffer = Buffer.alloc(0);
    let wanted = Math.min(fileSize, firstReadBytes);
    for (;;) {
      bytes = await extend(handle, bytes, wanted, source);
      try {
        return parseHeader(bytes, fileSize, source, { path });
      } catch (error) {
        if (!(error instanceof MoreBytesNeeded)) throw error;
        if (error.end > maxHeaderBytes) {
          throw new InvalidModelFileError(
            `${source} is not a usable model: its GGUF header claims more than ${maxHeaderBytes} bytes (${error.end} needed while reading ${error.what}); the file is corrupt.`,
            { details: { path, offset: error.end } },
          );
        }
        // Doubling keeps the total work of re-parsing within twice a single parse.
        wanted = Math.min(fileSize, Math.max(error.end, Math.min(bytes.length * 2, maxHeaderBytes)));
      }
    }
  } finally {
    await handle.close();
  }
}

/** Decodes a GGUF header from bytes in memory (the whole file, or its beginning with `fileSize` given). */
export function decodeGgufHeader(bytes: Uint8Array, options: DecodeGgufHeaderOptions = {}): GgufHeader {
  const fileSize = options.fileSize ?? bytes.length;
  const source = options.source ?? "the GGUF data";
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return parseHeader(buffer, fileSize, source, {});
  } catch (error) {
    if (!(error instanceof MoreBytesNeeded)) throw error;
    throw new InvalidModelFileError(
      `${source}: the given ${bytes.length} bytes end inside the GGUF header (${error.what} needs ${error.end} bytes).`,
    );
  }
}

/** Byte size of a tensor of `type` and `shape` as ggml computes it. */
export function ggmlTensorByteSize(type: GgmlTypeInfo, shape: readonly number[]): number {
  const rowLength = shape[0] ?? 1;
  let rows = 1;
  for (const dimension of shape.slice(1)) rows *= dimension;
  return (rowLength / type.blockSize) * type.typeSize * rows;
}

/** Rounds `offset` up to a multiple of `alignment` (a power of two). */
export function alignOffset(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}

async function openModelFile(path: string, source: string) {
  try {
    return await open(path, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EISDIR") {
      throw new InvalidModelFileError(`${source} is not a GGUF model file: it is a directory.`, {
        cause: error,
        details: { path },
      });
    }
    const reason =
      code === "ENOENT" ? "there is no such file" : `it cannot be opened (${code ?? "unknown error"})`;
    throw new ModelUnavailableError(`The model file ${source} cannot be read: ${reason}.`, {
      cause: error,
      details: { path },
    });
  }
}

type FileHandle = Awaited<ReturnType<typeof open>>;

/** Returns `bytes` grown to `length` bytes with the next part of the file. */
async function extend(handle: FileHandle, bytes: Buffer, length: number, source: string): Promise<Buffer> {
  if (length <= bytes.length) return bytes;
  const grown = Buffer.allocUnsafe(length);
  bytes.copy(grown, 0);
  let filled = bytes.length;
  while (filled < length) {
    const { bytesRead } = await handle.read(grown, filled, length - filled, filled);
    if (bytesRead === 0) {
      // The file shrank after stat(): something is still writing it.
      throw new InvalidModelFileError(
        `${source} is not a usable model: the file ended early while being read.`,
        { details: { offset: filled } },
      );
    }
    filled += bytesRead;
  }
  return grown;
}

/** Control flow, not a failure: the header goes on past the bytes read so far, so read more and parse again. */
class MoreBytesNeeded extends Error {
  constructor(
    readonly end: number,
    readonly what: string,
  ) {
    super(`${end} bytes needed for ${what}`);
  }
}

/** Sequential little-endian reads that refuse to go past the end of the file. */
class HeaderCursor {
  position = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Buffer,
    readonly fileSize: number,
    readonly source: string,
    private readonly details: Record<string, unknown>,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.fileSize - this.position;
  }

  corrupt(problem: string): InvalidModelFileError {
    return new InvalidModelFileError(`${this.source} is not a usable model: ${problem}.`, {
      details: { ...this.details, offset: this.position },
    });
  }

  private take(length: number, what: string): number {
    const start = this.position;
    const end = start + length;
    if (end > this.fileSize) {
      throw this.corrupt(
        `the file ends inside its GGUF header (reading ${what} at byte ${start} of ${this.fileSize}); it is truncated`,
      );
    }
    if (end > this.bytes.length) throw new MoreBytesNeeded(end, what);
    this.position = end;
    return start;
  }

  uint8(what: string): number {
    return this.view.getUint8(this.take(1, what));
  }
  int8(what: string): number {
    return this.view.getInt8(this.take(1, what));
  }
  uint16(what: string): number {
    return this.view.getUint16(this.take(2, what), true);
  }
  int16(what: string): number {
    return this.view.getInt16(this.take(2, what), true);
  }
  uint32(what: string): number {
    return this.view.getUint32(this.take(4, what), true);
  }
  int32(what: string): number {
    return this.view.getInt32(this.take(4, what), true);
  }
  float32(what: string): number {
    return this.view.getFloat32(this.take(4, what), true);
  }
  float64(what: string): number {
    return this.view.getFloat64(this.take(8, what), true);
  }
  uint64(what: string): bigint {
    return this.view.getBigUint64(this.take(8, what), true);
  }
  int64(what: string): bigint {
    return this.view.getBigInt64(this.take(8, what), true);
  }

  /** A 64-bit count, length or offset as a number; anything beyond 2^53 cannot describe a real file. */
  size(what: string): number {
    const start = this.take(8, what);
    const low = this.view.getUint32(start, true);
    const high = this.view.getUint32(start + 4, true);
    if (high >= 0x200000) {
      this.position = start;
      throw this.corrupt(`${what} is ${this.view.getBigUint64(start, true)}, an impossible size`);
    }
    return high * 0x1_0000_0000 + low;
  }

  string(what: string): string {
    const length = this.size(`the length of ${what}`);
    if (length > maxStringBytes || length > this.remaining) {
      throw this.corrupt(
        `${what} claims ${length} bytes but only ${this.remaining} bytes are left in the file; it is truncated or corrupt`,
      );
    }
    const start = this.take(length, what);
    return this.bytes.toString("utf8", start, start + length);
  }
}

/** Parses the header from `bytes`, the first part of a file of `fileSize` bytes; `details` go into every error. */
function parseHeader(
  bytes: Buffer,
  fileSize: number,
  source: string,
  details: Record<string, unknown>,
): GgufHeader {
  const cursor = new HeaderCursor(bytes, fileSize, source, details);
  if (fileSize < 4) {
    throw new InvalidModelFileError(
      `${source} is not a GGUF model file: it is only ${fileSize} bytes long.`,
      {
        details,
      },
    );
  }
  if (bytes.length < 4) throw new MoreBytesNeeded(4, "the GGUF magic");
  const magic = bytes.subarray(0, 4);
  if (magic.toString("latin1") !== ggufMagic) {
    const seen = [...magic]
      .map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : "?"))
      .join("");
    throw new InvalidModelFileError(
      `${source} is not a GGUF model file: it starts with "${seen}" instead of "GGUF".`,
      { details },
    );
  }
  cursor.uint32("the GGUF magic");
  const version = cursor.uint32("the GGUF version");
  if (version !== 0 && (version & 0xffff) === 0) {
    throw cursor.corrupt(
      `its GGUF version ${version} looks byte-swapped (a big-endian file), which is not supported`,
    );
  }
  if (version < 2 || version > 3) {
    throw cursor.corrupt(`it is GGUF version ${version}, but llama.cpp reads versions 2 and 3`);
  }
  const tensorCount = cursor.size("the tensor count");
  const keyValueCount = cursor.size("the metadata count");
  if (keyValueCount * minKeyValueBytes > cursor.remaining) {
    throw cursor.corrupt(
      `its header claims ${keyValueCount} metadata entries, more than the file can hold; it is truncated or corrupt`,
    );
  }

  const metadata = new Map<string, GgufValue>();
  for (let index = 0; index < keyValueCount; index++) {
    const key = cursor.string(`metadata key #${index}`);
    if (key === "") throw cursor.corrupt(`metadata key #${index} is empty`);
    if (metadata.has(key)) throw cursor.corrupt(`metadata key "${key}" appears twice`);
    metadata.set(key, readValue(cursor, key));
  }

  let alignment = ggufDefaultAlignment;
  const alignmentValue = metadata.get("general.alignment");
  if (alignmentValue !== undefined) {
    if (alignmentValue.type !== "uint32") {
      throw cursor.corrupt(`"general.alignment" has type ${alignmentValue.type}, but GGUF requires uint32`);
    }
    alignment = alignmentValue.value;
    if (alignment === 0 || (alignment & (alignment - 1)) !== 0) {
      throw cursor.corrupt(`"general.alignment" is ${alignment}, which is not a power of two`);
    }
  }

  if (tensorCount * minTensorInfoBytes > cursor.remaining) {
    throw cursor.corrupt(
      `its header claims ${tensorCount} tensors, more than the file can hold; it is truncated or corrupt`,
    );
  }
  const tensors: GgufTensorInfo[] = [];
  const tensorNames = new Set<string>();
  let dataSize = 0;
  for (let index = 0; index < tensorCount; index++) {
    const tensor = readTensorInfo(cursor, index, dataSize);
    if (tensorNames.has(tensor.name)) throw cursor.corrupt(`tensor "${tensor.name}" appears twice`);
    tensorNames.add(tensor.name);
    tensors.push(tensor);
    dataSize += alignOffset(tensor.byteSize, alignment);
    if (dataSize > Number.MAX_SAFE_INTEGER) throw cursor.corrupt("its tensors add up to an impossible size");
  }

  const headerSize = cursor.position;
  const dataOffset = alignOffset(headerSize, alignment);
  if (tensorCount > 0 && dataOffset > fileSize) {
    throw cursor.corrupt(
      `the file ends (at byte ${fileSize}) before its tensor data begins (byte ${dataOffset}); it is truncated`,
    );
  }
  for (const tensor of tensors) tensor.fileOffset = dataOffset + tensor.offset;
  return { version, alignment, metadata, tensors, headerSize, dataOffset, dataSize, fileSize };
}

function readTensorInfo(cursor: HeaderCursor, index: number, expectedOffset: number): GgufTensorInfo {
  const name = cursor.string(`the name of tensor #${index}`);
  if (Buffer.byteLength(name) > ggmlMaxNameBytes) {
    throw cursor.corrupt(`tensor #${index} has a name longer than ${ggmlMaxNameBytes} bytes`);
  }
  const label = `tensor "${name}"`;
  const dimensionCount = cursor.uint32(`the dimension count of ${label}`);
  if (dimensionCount > ggmlMaxDimensions) {
    throw cursor.corrupt(
      `${label} has ${dimensionCount} dimensions; ggml allows at most ${ggmlMaxDimensions}`,
    );
  }
  const shape: number[] = [];
  let elementCount = 1;
  for (let dimension = 0; dimension < dimensionCount; dimension++) {
    // ggml reads dimensions as signed 64-bit: a value with the top bit set is negative, a huge one is corrupt.
    const length = cursor.size(`dimension ${dimension} of ${label}`);
    shape.push(length);
    elementCount *= length;
  }
  if (elementCount > Number.MAX_SAFE_INTEGER) {
    throw cursor.corrupt(`${label} claims ${elementCount} elements, more than any file can hold`);
  }
  const typeId = cursor.int32(`the type of ${label}`);
  const type = ggmlTypes.get(typeId);
  if (type === undefined) {
    throw cursor.corrupt(`${label} has tensor type ${typeId}, which this llama.cpp does not know`);
  }
  const rowLength = shape[0] ?? 1;
  if (rowLength % type.blockSize !== 0) {
    throw cursor.corrupt(
      `${label} of type ${type.name} has rows of ${rowLength} elements, not a multiple of its block size ${type.blockSize}`,
    );
  }
  const byteSize = ggmlTensorByteSize(type, shape);
  if (byteSize > Number.MAX_SAFE_INTEGER) throw cursor.corrupt(`${label} claims an impossible size`);
  const offset = cursor.size(`the data offset of ${label}`);
  if (offset !== expectedOffset) {
    // gguf.cpp requires tensors to be packed in order, each padded to the alignment.
    throw cursor.corrupt(
      `${label} has data offset ${offset}, but GGUF requires ${expectedOffset} (tensors packed in order)`,
    );
  }
  return { name, shape, type, offset, fileOffset: offset, elementCount, byteSize };
}

function readValue(cursor: HeaderCursor, key: string): GgufValue {
  const type = readValueType(cursor, key);
  if (type !== "array") return readScalar(cursor, type, key);
  const itemType = readValueType(cursor, key);
  if (itemType === "array") {
    throw cursor.corrupt(`metadata key "${key}" is an array of arrays, which llama.cpp refuses`);
  }
  const count = cursor.size(`the length of "${key}"`);
  const minItemBytes = itemType === "string" ? 8 : ggufValueSizes[itemType];
  if (count > maxArrayItems || count * minItemBytes > cursor.remaining) {
    throw cursor.corrupt(
      `metadata array "${key}" claims ${count} items, more than the rest of the file can hold; it is truncated or corrupt`,
    );
  }
  const items: unknown[] = new Array(count);
  for (let index = 0; index < count; index++) items[index] = readScalar(cursor, itemType, key).value;
  return { type: "array", itemType, value: items } as GgufArrayValue;
}

function readValueType(cursor: HeaderCursor, key: string): GgufValueType {
  const id = cursor.uint32(`the type of "${key}"`);
  const type = ggufValueTypeById[id];
  if (type === undefined) throw cursor.corrupt(`metadata key "${key}" has unknown value type ${id}`);
  return type;
}

function readScalar(
  cursor: HeaderCursor,
  type: GgufScalarType,
  key: string,
): Exclude<GgufValue, GgufArrayValue> {
  const what = `the value of "${key}"`;
  switch (type) {
    case "uint8":
      return { type, value: cursor.uint8(what) };
    case "int8":
      return { type, value: cursor.int8(what) };
    case "uint16":
      return { type, value: cursor.uint16(what) };
    case "int16":
      return { type, value: cursor.int16(what) };
    case "uint32":
      return { type, value: cursor.uint32(what) };
    case "int32":
      return { type, value: cursor.int32(what) };
    case "float32":
      return { type, value: cursor.float32(what) };
    case "float64":
      return { type, value: cursor.float64(what) };
    case "bool":
      return { type, value: cursor.int8(what) !== 0 };
    case "uint64":
      return { type, value: cursor.uint64(what) };
    case "int64":
      return { type, value: cursor.int64(what) };
    case "string":
      return { type, value: cursor.string(what) };
  }
}
