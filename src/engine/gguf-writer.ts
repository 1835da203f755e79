/** Writes GGUF v3 model files (typed metadata, tensor infos, aligned F32/F16 data), e.g. for test models. */
import { randomUUID } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { InvalidModelFileError } from "../core/app-error.js";
import {
  alignOffset,
  type GgufArrayValue,
  type GgufBigIntType,
  type GgufNumberType,
  type GgufScalarType,
  type GgufValue,
  ggmlMaxDimensions,
  ggmlMaxNameBytes,
  ggmlTypes,
  ggufDefaultAlignment,
  ggufMagic,
  ggufValueTypeIds,
} from "./gguf-reader.js";

export type GgufTensorType = "F32" | "F16";

export type GgufTensor = {
  name: string;
  /** ggml order: the first dimension is the length of a row (`[n_embd, n_vocab]` for an embedding). */
  shape: readonly number[];
  /** Row-major values, `shape[0]` per row. */
  data: Float32Array;
  /** How the values are stored; F32 unless told. */
  type?: GgufTensorType;
};

export type GgufContent = {
  /** Written in insertion order. `general.alignment` (uint32), when present, sets the padding. */
  metadata: Readonly<Record<string, GgufValue>> | ReadonlyMap<string, GgufValue>;
  tensors: readonly GgufTensor[];
};

/** Typed metadata values: `gguf.uint32(64)`, `gguf.stringArray(tokens)`. llama.cpp checks these types exactly. */
export const gguf = {
  string: (value: string): GgufValue => ({ type: "string", value }),
  bool: (value: boolean): GgufValue => ({ type: "bool", value }),
  uint32: (value: number): GgufValue => ({ type: "uint32", value }),
  int32: (value: number): GgufValue => ({ type: "int32", value }),
  float32: (value: number): GgufValue => ({ type: "float32", value }),
  uint64: (value: bigint): GgufValue => ({ type: "uint64", value }),
  stringArray: (value: readonly string[]): GgufValue => ({ type: "array", itemType: "string", value }),
  int32Array: (value: ArrayLike<number>): GgufValue => ({
    type: "array",
    itemType: "int32",
    value: Array.from(value),
  }),
  uint32Array: (value: ArrayLike<number>): GgufValue => ({
    type: "array",
    itemType: "uint32",
    value: Array.from(value),
  }),
  float32Array: (value: ArrayLike<number>): GgufValue => ({
    type: "array",
    itemType: "float32",
    value: Array.from(value),
  }),
};

const tensorTypeIds: Record<GgufTensorType, number> = { F32: 0, F16: 1 };

const integerRanges: Record<Exclude<GgufNumberType, "float32" | "float64">, [number, number]> = {
  uint8: [0, 0xff],
  int8: [-0x80, 0x7f],
  uint16: [0, 0xffff],
  int16: [-0x8000, 0x7fff],
  uint32: [0, 0xffff_ffff],
  int32: [-0x8000_0000, 0x7fff_ffff],
};

/** Encodes a whole GGUF v3 file in memory. */
export function encodeGguf(content: GgufContent): Buffer {
  const entries = content.metadata instanceof Map ? [...content.metadata] : Object.entries(content.metadata);
  const alignment = alignmentOf(entries);
  const writer = new ByteWriter();

  writer.raw(Buffer.from(ggufMagic, "latin1"));
  writer.uint32(3);
  writer.uint64(BigInt(content.tensors.length));
  writer.uint64(BigInt(entries.length));
  for (const [key, value] of entries) {
    if (key === "") invalid("a metadata key is empty");
    writer.string(key);
    writeValue(writer, key, value);
  }

  const names = new Set<string>();
  let offset = 0;
  for (const tensor of content.tensors) {
    checkTensor(tensor, names);
    const type = tensor.type ?? "F32";
    writer.string(tensor.name);
    writer.uint32(tensor.shape.length);
    for (const dimension of tensor.shape) writer.uint64(BigInt(dimension));
    writer.uint32(tensorTypeIds[type]);
    writer.uint64(BigInt(offset));
    offset += alignOffset(tensorByteSize(tensor), alignment);
  }

  writer.padTo(alignment);
  for (const tensor of content.tensors) {
    writeTensorData(writer, tensor);
    writer.padTo(alignment);
  }
  return writer.toBuffer();
}

/** Writes a GGUF v3 file to `path`, whole or not at all: a reader never sees a half-written model. */
export async function writeGguf(path: string, content: GgufContent): Promise<void> {
  const temporaryPath = `${path}.${process.pid}-${randomUUID()}.partial`;
  try {
    await writeFile(temporaryPath, encodeGguf(content));
    await rename(temporaryPath, path);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  }
}

const float32Scratch = new DataView(new ArrayBuffer(4));

/** IEEE half-precision bits of `value`, rounded to nearest even like numpy and ggml. */
export function float32ToFloat16Bits(value: number): number {
  float32Scratch.setFloat32(0, value);
  const bits = float32Scratch.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7f_ffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    // Subnormal: shift the mantissa (with its implicit leading one) into place, rounding to nearest even.
    const full = mantissa | 0x80_0000;
    const shift = 14 - halfExponent;
    const rounded = full >>> shift;
    const remainder = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    const bump = remainder > halfway || (remainder === halfway && (rounded & 1) === 1) ? 1 : 0;
    return sign | (rounded + bump);
  }
  const rounded = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and reaches infinity at the top).
  const bump = remainder > 0x1000 || (remainder === 0x1000 && (rounded & 1) === 1) ? 1 : 0;
  return sign | (rounded + bump);
}

function invalid(problem: string): never {
  throw new InvalidModelFileError(`Cannot write a GGUF file llama.cpp would refuse: ${problem}.`);
}

function alignmentOf(entries: readonly (readonly [string, GgufValue])[]): number {
  const entry = entries.find(([key]) => key === "general.alignment");
  if (entry === undefined) return ggufDefaultAlignment;
  const value = entry[1];
  if (value.type !== "uint32") invalid(`"general.alignment" must be uint32, not ${value.type}`);
  const alignment = value.value;
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    invalid(`"general.alignment" must be a power of two, not ${alignment}`);
  }
  return alignment;
}

function checkTensor(tensor: GgufTensor, names: Set<string>): void {
  const label = `tensor "${tensor.name}"`;
  if (Buffer.byteLength(tensor.name) > ggmlMaxNameBytes) {
    invalid(`${label} has a name longer than ${ggmlMaxNameBytes} bytes`);
  }
  if (names.has(tensor.name)) invalid(`${label} appears twice`);
  names.add(tensor.name);
  if (tensor.shape.length === 0 || tensor.shape.length > ggmlMaxDimensions) {
    invalid(`${label} must have 1 to ${ggmlMaxDimensions} dimensions, not ${tensor.shape.length}`);
  }
  let elementCount = 1;
  for (const dimension of tensor.shape) {
    if (!Number.isSafeInteger(dimension) || dimension < 0) invalid(`${label} has dimension ${dimension}`);
    elementCount *= dimension;
  }
  if (tensor.data.length !== elementCount) {
    invalid(`${label} has shape [${tensor.shape.join(", ")}] but ${tensor.data.length} values`);
  }
}

function tensorByteSize(tensor: GgufTensor): number {
  const type = ggmlTypes.get(tensorTypeIds[tensor.type ?? "F32"]);
  return tensor.data.length * (type?.typeSize ?? 4);
}

function writeTensorData(writer: ByteWriter, tensor: GgufTensor): void {
  const type = tensor.type ?? "F32";
  const view = writer.reserve(tensorByteSize(tensor));
  const data = tensor.data;
  if (type === "F32") {
    for (let index = 0; index < data.length; index++) view.setFloat32(index * 4, data[index] ?? 0, true);
  } else {
    for (let index = 0; index < data.length; index++) {
      view.setUint16(index * 2, float32ToFloat16Bits(data[index] ?? 0), true);
    }
  }
}

function writeValue(writer: ByteWriter, key: string, value: GgufValue): void {
  writer.uint32(ggufValueTypeIds[value.type]);
  if (value.type !== "array") {
    writeScalar(writer, key, value.type, value.value);
    return;
  }
  const array: GgufArrayValue = value;
  if ((array.itemType as string) === "array") invalid(`"${key}" is an array of arrays`);
  writer.uint32(ggufValueTypeIds[array.itemType]);
  writer.uint64(BigInt(array.value.length));
  for (const item of array.value) writeScalar(writer, key, array.itemType, item);
}

function writeScalar(writer: ByteWriter, key: string, type: GgufScalarType, value: unknown): void {
  switch (type) {
    case "string":
      if (typeof value !== "string") invalid(`"${key}" must hold strings`);
      writer.string(value);
      return;
    case "bool":
      if (typeof value !== "boolean") invalid(`"${key}" must hold booleans`);
      writer.uint8(value ? 1 : 0);
      return;
    case "uint64":
    case "int64":
      writeBigInt(writer, key, type, value);
      return;
    case "float32":
    case "float64":
      if (typeof value !== "number") invalid(`"${key}" must hold numbers`);
      if (type === "float32") writer.float32(value);
      else writer.float64(value);
      return;
    default: {
      const [minimum, maximum] = integerRanges[type];
      if (typeof value !== "number" || !Number.isInteger(value) || value < minimum || value > maximum) {
        invalid(`"${key}" must hold ${type} integers, got ${String(value)}`);
      }
      writer.integer(type, value);
    }
  }
}

function writeBigInt(writer: ByteWriter, key: string, type: GgufBigIntType, value: unknown): void {
  if (typeof value !== "bigint") invalid(`"${key}" must hold bigint values for ${type}`);
  const inRange =
    type === "uint64" ? value >= 0n && value < 1n << 64n : value >= -(1n << 63n) && value < 1n << 63n;
  if (!inRange) invalid(`"${key}" does not fit ${type}: ${value}`);
  if (type === "uint64") writer.uint64(value);
  else writer.int64(value);
}

/** Appends little-endian values to one growing buffer (one allocation per doubling, not per value). */
class ByteWriter {
  private bytes = Buffer.alloc(64 * 1024);
  private view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  private length = 0;

  /** Makes room for `size` bytes and returns where they start; read `bytes`/`view` only after calling it. */
  private grow(size: number): number {
    const start = this.length;
    const needed = start + size;
    if (needed > this.bytes.length) {
      const grown = Buffer.alloc(Math.max(needed, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, start);
      this.bytes = grown;
      this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
    }
    this.length = needed;
    return start;
  }

  raw(bytes: Uint8Array): void {
    const at = this.grow(bytes.length);
    this.bytes.set(bytes, at);
  }

  /** A zeroed region of `size` bytes to fill in place. */
  reserve(size: number): DataView {
    const start = this.grow(size);
    return new DataView(this.bytes.buffer, this.bytes.byteOffset + start, size);
  }

  uint8(value: number): void {
    const at = this.grow(1);
    this.view.setUint8(at, value);
  }
  uint32(value: number): void {
    const at = this.grow(4);
    this.view.setUint32(at, value, true);
  }
  float32(value: number): void {
    const at = this.grow(4);
    this.view.setFloat32(at, value, true);
  }
  float64(value: number): void {
    const at = this.grow(8);
    this.view.setFloat64(at, value, true);
  }
  uint64(value: bigint): void {
    const at = this.grow(8);
    this.view.setBigUint64(at, value, true);
  }
  int64(value: bigint): void {
    const at = this.grow(8);
    this.view.setBigInt64(at, value, true);
  }

  integer(type: keyof typeof integerRanges, value: number): void {
    switch (type) {
      case "uint8": {
        const at = this.grow(1);
        this.view.setUint8(at, value);
        return;
      }
      case "int8": {
        const at = this.grow(1);
        this.view.setInt8(at, value);
        return;
      }
      case "uint16": {
        const at = this.grow(2);
        this.view.setUint16(at, value, true);
        return;
      }
      case "int16": {
        const at = this.grow(2);
        this.view.setInt16(at, value, true);
        return;
      }
      case "uint32": {
        const at = this.grow(4);
        this.view.setUint32(at, value, true);
        return;
      }
      case "int32": {
        const at = this.grow(4);
        this.view.setInt32(at, value, true);
        return;
      }
    }
  }

  string(value: string): void {
    const length = Buffer.byteLength(value, "utf8");
    this.uint64(BigInt(length));
    const start = this.grow(length);
    this.bytes.write(value, start, length, "utf8");
  }

  padTo(alignment: number): void {
    // grow() hands out zeroed bytes: the buffers are allocated zero-filled and never rewound.
    this.grow(alignOffset(this.length, alignment) - this.length);
  }

  toBuffer(): Buffer {
    return Buffer.from(this.bytes.subarray(0, this.length));
  }
}
