import { describe, expect, it } from "vitest";
import { InvalidModelFileError } from "../core/app-error.js";
import { decodeGgufHeader, type GgufValue } from "./gguf-reader.js";
import { encodeGguf, float32ToFloat16Bits, gguf } from "./gguf-writer.js";

describe("encodeGguf", () => {
  it("writes magic, version 3, typed metadata and tensor infos that read back unchanged", () => {
    const metadata: Record<string, GgufValue> = {
      "general.architecture": gguf.string("llama"),
      "general.alignment": gguf.uint32(32),
      "test.count": gguf.uint32(4_000_000_000),
      "test.signed": gguf.int32(-7),
      "test.ratio": gguf.float32(0.5),
      "test.flag": gguf.bool(true),
      "test.big": gguf.uint64(2n ** 60n),
      "test.words": gguf.stringArray(["Ġ", "Ċ", "naïve", ""]),
      "test.integers": gguf.int32Array([1, -2, 3]),
      "test.floats": gguf.float32Array(new Float32Array([0.25, -1])),
      "test.small": { type: "uint8", value: 255 },
      "test.wide": { type: "float64", value: Math.PI },
      "test.flags": { type: "array", itemType: "bool", value: [true, false] },
    };
    const bytes = encodeGguf({
      metadata,
      tensors: [
        { name: "a.weight", shape: [3], data: new Float32Array([1, 2, 3]) },
        { name: "b.weight", shape: [2, 2], data: new Float32Array([1, -2, 0.5, 65504]), type: "F16" },
      ],
    });

    expect(bytes.subarray(0, 4).toString("latin1")).toBe("GGUF");
    expect(bytes.readUInt32LE(4)).toBe(3);
    expect(bytes.readBigUInt64LE(8)).toBe(2n);
    expect(bytes.readBigUInt64LE(16)).toBe(BigInt(Object.keys(metadata).length));

    const header = decodeGgufHeader(bytes);
    expect(header.version).toBe(3);
    expect(Object.fromEntries(header.metadata)).toEqual(metadata);
    expect(
      header.tensors.map(({ name, shape, type, offset, byteSize }) => ({
        name,
        shape,
        type: type.name,
        offset,
        byteSize,
      })),
    ).toEqual([
      { name: "a.weight", shape: [3], type: "F32", offset: 0, byteSize: 12 },
      // Each tensor starts on the alignment: 12 bytes padded to 32.
      { name: "b.weight", shape: [2, 2], type: "F16", offset: 32, byteSize: 8 },
    ]);
    expect(header.dataOffset % 32).toBe(0);
    expect(bytes.length).toBe(header.dataOffset + 64);

    const first = header.tensors[0];
    const second = header.tensors[1];
    if (first === undefined || second === undefined) throw new Error("tensors missing");
    expect([0, 1, 2].map((index) => bytes.readFloatLE(first.fileOffset + index * 4))).toEqual([1, 2, 3]);
    expect([0, 1, 2, 3].map((index) => bytes.readUInt16LE(second.fileOffset + index * 2))).toEqual([
      0x3c00, 0xc000, 0x3800, 0x7bff,
    ]);
  });

  it("pads to a custom general.alignment", () => {
    const bytes = encodeGguf({
      metadata: new Map([["general.alignment", gguf.uint32(64)]]),
      tensors: [
        { name: "x", shape: [1], data: new Float32Array([1]) },
        { name: "y", shape: [1], data: new Float32Array([2]) },
      ],
    });
    const header = decodeGgufHeader(bytes);
    expect(header.alignment).toBe(64);
    expect(header.dataOffset % 64).toBe(0);
    expect(header.tensors.map((tensor) => tensor.offset)).toEqual([0, 64]);
  });

  it("is deterministic", () => {
    const content = {
      metadata: { "general.name": gguf.string("x") },
      tensors: [{ name: "t", shape: [2], data: new Float32Array([1, 2]) }],
    };
    expect(encodeGguf(content).equals(encodeGguf(content))).toBe(true);
  });

  it.each([
    ["a uint32 out of range", { "x.count": gguf.uint32(-1) }, /x\.count/],
    ["a non-integer uint32", { "x.count": gguf.uint32(1.5) }, /x\.count/],
    ["an alignment that is not a power of two", { "general.alignment": gguf.uint32(24) }, /power of two/],
    ["an alignment of the wrong type", { "general.alignment": gguf.int32(32) }, /must be uint32/],
    ["an empty key", { "": gguf.string("x") }, /empty/],
  ])("refuses %s", (_, metadata, message) => {
    expect(() => encodeGguf({ metadata, tensors: [] })).toThrow(InvalidModelFileError);
    expect(() => encodeGguf({ metadata, tensors: [] })).toThrow(message);
  });

  it.each([
    [
      "values that do not match the shape",
      { name: "t", shape: [2, 2], data: new Float32Array(3) },
      /4|3 values/,
    ],
    [
      "a name over 63 bytes",
      { name: "n".repeat(64), shape: [1], data: new Float32Array(1) },
      /longer than 63/,
    ],
    [
      "five dimensions",
      { name: "t", shape: [1, 1, 1, 1, 1], data: new Float32Array(1) },
      /1 to 4 dimensions/,
    ],
  ])("refuses a tensor with %s", (_, tensor, message) => {
    expect(() => encodeGguf({ metadata: {}, tensors: [tensor] })).toThrow(message);
  });

  it("refuses two tensors with the same name", () => {
    const tensor = { name: "t", shape: [1], data: new Float32Array(1) };
    expect(() => encodeGguf({ metadata: {}, tensors: [tensor, tensor] })).toThrow(/appears twice/);
  });
});

describe("float32ToFloat16Bits", () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.333251953125, 0x3555],
    [65504, 0x7bff],
    [65520, 0x7c00], // rounds up to infinity
    [1e6, 0x7c00],
    [Number.NEGATIVE_INFINITY, 0xfc00],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // halfway to zero rounds to even (zero)
    [1.5 * 2 ** -25, 0x0001],
    [1 + 2 ** -11, 0x3c00], // halfway between 1 and the next half: ties to even
    [1 + 3 * 2 ** -11, 0x3c02],
  ])("encodes %d as %i", (value, bits) => {
    expect(float32ToFloat16Bits(value)).toBe(bits);
  });

  it("encodes NaN as a NaN", () => {
    const bits = float32ToFloat16Bits(Number.NaN);
    expect(bits & 0x7c00).toBe(0x7c00);
    expect(bits & 0x3ff).not.toBe(0);
  });
});
