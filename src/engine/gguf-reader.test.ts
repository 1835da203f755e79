import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, readGgufFileInfo } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidModelFileError, ModelUnavailableError } from "../core/app-error.js";
import { decodeGgufHeader, ggmlTypes, readGgufHeader } from "./gguf-reader.js";
import { encodeGguf, gguf } from "./gguf-writer.js";
import { buildTinyModel } from "./tiny-model.js";

let directory: string;
const tinyModel = encodeGguf(buildTinyModel());

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "parley-gguf-reader-"));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function fileWith(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, bytes);
  return path;
}

/** The error a call throws, so a test can check its class and message together. */
async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

/** A minimal header: magic, version, counts, then `rest`. */
function header(
  version: number,
  tensorCount: bigint,
  keyValueCount: bigint,
  rest: Uint8Array = new Uint8Array(),
) {
  const start = Buffer.alloc(24);
  start.write("GGUF", 0, "latin1");
  start.writeUInt32LE(version, 4);
  start.writeBigUInt64LE(tensorCount, 8);
  start.writeBigUInt64LE(keyValueCount, 16);
  return Buffer.concat([start, rest]);
}

function string(value: string): Buffer {
  const bytes = Buffer.from(value);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(bytes.length));
  return Buffer.concat([length, bytes]);
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return bytes;
}

function uint64(value: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(value);
  return bytes;
}

describe("readGgufHeader", () => {
  it("reads the tiny model's metadata and tensor layout, as node-llama-cpp's own parser does", async () => {
    const path = await fileWith("tiny.gguf", tinyModel);
    const header = await readGgufHeader(path);

    expect(header.fileSize).toBe(tinyModel.length);
    expect(header.metadata.get("general.architecture")).toEqual({ type: "string", value: "llama" });
    expect(header.metadata.get("llama.block_count")).toEqual({ type: "uint32", value: 2 });
    expect(header.tensors.at(-1)?.fileOffset).toBeLessThan(tinyModel.length);

    const reference = await readGgufFileInfo(path, { logWarnings: false });
    expect(
      header.tensors.map((tensor) => [tensor.name, tensor.shape, tensor.type.id, tensor.fileOffset]),
    ).toEqual(
      (reference.fullTensorInfo ?? []).map((tensor) => [
        tensor.name,
        tensor.dimensions.map(Number),
        tensor.ggmlType,
        Number(tensor.fileOffset),
      ]),
    );
    expect(reference.metadata.general.architecture).toBe("llama");
    expect(reference.metadata.tokenizer.ggml.tokens).toEqual(
      (header.metadata.get("tokenizer.ggml.tokens") as { value: readonly string[] }).value,
    );
  });

  it("reads a header larger than its first read (a 3 MB vocabulary)", async () => {
    const tokens = Array.from({ length: 200_000 }, (_, index) => `token-${index}`);
    const bytes = encodeGguf({
      metadata: { "tokenizer.ggml.tokens": gguf.stringArray(tokens), "general.name": gguf.string("after") },
      tensors: [{ name: "x", shape: [4], data: new Float32Array([1, 2, 3, 4]) }],
    });
    expect(bytes.length).toBeGreaterThan(3_000_000);
    const header = await readGgufHeader(await fileWith("big-vocabulary.gguf", bytes));
    expect((header.metadata.get("tokenizer.ggml.tokens") as { value: readonly string[] }).value).toHaveLength(
      200_000,
    );
    expect(header.metadata.get("general.name")).toEqual({ type: "string", value: "after" });
    expect(header.tensors[0]?.fileOffset).toBe(bytes.length - 32);
  });

  it("refuses a header larger than maxHeaderBytes instead of reading it", async () => {
    const bytes = encodeGguf({ metadata: { "x.long": gguf.string("x".repeat(3_000_000)) }, tensors: [] });
    const error = await failure(() =>
      readGgufHeader(join(directory, "long.gguf"), { maxHeaderBytes: 2_000_000 }),
    );
    expect(error).toBeInstanceOf(ModelUnavailableError); // not written yet
    const path = await fileWith("long.gguf", bytes);
    await expect(readGgufHeader(path, { maxHeaderBytes: 2_000_000 })).rejects.toThrow(
      /more than 2000000 bytes/,
    );
    await expect(readGgufHeader(path)).resolves.toMatchObject({ fileSize: bytes.length });
  });

  it("refuses a file that is not a GGUF", async () => {
    const path = await fileWith("notes.txt", Buffer.from("PK\u0003\u0004 this is a zip file, honest"));
    const error = await failure(() => readGgufHeader(path));
    expect(error).toBeInstanceOf(InvalidModelFileError);
    expect((error as Error).message).toBe(
      `${JSON.stringify(path)} is not a GGUF model file: it starts with "PK??" instead of "GGUF".`,
    );
  });

  it("refuses an empty file, a directory, and reports a missing file as unavailable", async () => {
    await expect(readGgufHeader(await fileWith("empty.gguf", new Uint8Array()))).rejects.toThrow(
      /only 0 bytes long/,
    );
    const folder = join(directory, "folder.gguf");
    await mkdir(folder);
    const error = await failure(() => readGgufHeader(folder));
    expect(error).toBeInstanceOf(InvalidModelFileError);
    expect((error as Error).message).toMatch(/directory|not a regular file/);
    const missing = await failure(() => readGgufHeader(join(directory, "nothing-here.gguf")));
    expect(missing).toBeInstanceOf(ModelUnavailableError);
    expect((missing as Error).message).toMatch(/no such file/);
  });

  it("refuses the tiny model cut anywhere inside its header, saying it is truncated", async () => {
    const { headerSize, dataOffset } = decodeGgufHeader(tinyModel);
    // Past the header the layout is still readable; gguf-requirements refuses the missing tensor data.
    const cuts = [4, 8, 23, 24, 31, 100, 1000, 5000, headerSize - 1, dataOffset - 1];
    for (const cut of cuts) {
      const path = await fileWith(`cut-${cut}.gguf`, tinyModel.subarray(0, cut));
      const error = await failure(() => readGgufHeader(path));
      expect(error, `cut at ${cut}`).toBeInstanceOf(InvalidModelFileError);
      expect((error as Error).message, `cut at ${cut}`).toMatch(/truncated/);
    }
  });
});

describe("decodeGgufHeader", () => {
  it("refuses every truncation of a header with a clear error, and nothing else", () => {
    const { headerSize } = decodeGgufHeader(tinyModel);
    for (let cut = 0; cut <= headerSize; cut += 7) {
      expect(() => decodeGgufHeader(tinyModel.subarray(0, cut)), `cut at ${cut}`).toThrow(
        InvalidModelFileError,
      );
    }
  });

  it("never throws anything but InvalidModelFileError on corrupted headers", () => {
    const { headerSize } = decodeGgufHeader(tinyModel);
    let state = 12345;
    const random = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    let refused = 0;
    for (let attempt = 0; attempt < 2000; attempt++) {
      const bytes = Buffer.from(tinyModel);
      for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
        bytes[Math.floor(random() * headerSize)] = Math.floor(random() * 256);
      }
      try {
        decodeGgufHeader(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidModelFileError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });

  it.each([
    ["version 1", header(1, 0n, 0n), /version 1/],
    ["version 4", header(4, 0n, 0n), /version 4/],
    ["a byte-swapped version", header(0x0300_0000, 0n, 0n), /byte-swapped/],
    ["an absurd metadata count", header(3, 0n, 2n ** 40n), /1099511627776 metadata entries/],
    ["an impossible count", header(3, 2n ** 62n, 0n), /impossible size/],
    ["an absurd tensor count", header(3, 1_000_000n, 0n), /1000000 tensors/],
    [
      "a key longer than the file",
      header(3, 0n, 1n, Buffer.concat([uint64(2n ** 40n), Buffer.alloc(16)])),
      /claims 1099511627776 bytes/,
    ],
    [
      "an array longer than the file",
      header(
        3,
        0n,
        1n,
        Buffer.concat([string("x.list"), uint32(9), uint32(4), uint64(2n ** 30n), Buffer.alloc(8)]),
      ),
      /claims 1073741824 items/,
    ],
    [
      "an array of arrays",
      header(3, 0n, 1n, Buffer.concat([string("x.nested"), uint32(9), uint32(9), uint64(0n)])),
      /array of arrays/,
    ],
    [
      "an unknown value type",
      header(3, 0n, 1n, Buffer.concat([string("x.odd"), uint32(13), Buffer.alloc(8)])),
      /type 13/,
    ],
    [
      "a duplicate key",
      header(
        3,
        0n,
        2n,
        Buffer.concat([
          string("x.a"),
          uint32(0),
          Buffer.from([1]),
          string("x.a"),
          uint32(0),
          Buffer.from([1]),
        ]),
      ),
      /appears twice/,
    ],
    [
      "an alignment of the wrong type",
      header(3, 0n, 1n, Buffer.concat([string("general.alignment"), uint32(5), uint32(32)])),
      /must be uint32|requires uint32/,
    ],
    [
      "five dimensions",
      header(3, 1n, 0n, Buffer.concat([string("t"), uint32(5), Buffer.alloc(64)])),
      /5 dimensions/,
    ],
    [
      "an unknown tensor type",
      header(
        3,
        1n,
        0n,
        Buffer.concat([string("t"), uint32(1), uint64(4n), uint32(4), uint64(0n), Buffer.alloc(32)]),
      ),
      /tensor type 4/,
    ],
    [
      "a row that is not a whole number of blocks",
      header(
        3,
        1n,
        0n,
        Buffer.concat([string("t"), uint32(1), uint64(10n), uint32(2), uint64(0n), Buffer.alloc(32)]),
      ),
      /not a multiple of its block size 32/,
    ],
    [
      "a tensor not packed at the expected offset",
      header(
        3,
        1n,
        0n,
        Buffer.concat([string("t"), uint32(1), uint64(4n), uint32(0), uint64(64n), Buffer.alloc(64)]),
      ),
      /requires 0/,
    ],
    [
      "tensor data that would start past the end of the file",
      header(3, 1n, 0n, Buffer.concat([string("t"), uint32(1), uint64(4n), uint32(0), uint64(0n)])),
      /before its tensor data begins/,
    ],
  ])("refuses %s", (_, bytes, message) => {
    expect(() => decodeGgufHeader(bytes)).toThrow(InvalidModelFileError);
    expect(() => decodeGgufHeader(bytes)).toThrow(message);
  });

  it("accepts GGUF version 2, which llama.cpp still reads", () => {
    const bytes = Buffer.from(encodeGguf({ metadata: { "general.name": gguf.string("old") }, tensors: [] }));
    bytes.writeUInt32LE(2, 4);
    expect(decodeGgufHeader(bytes).version).toBe(2);
  });
});

describe("ggmlTypes", () => {
  it("matches the block and type sizes of the llama.cpp that node-llama-cpp bundles", async () => {
    const llama = await getLlama({ gpu: false, build: "never" });
    // Not public API: the native binding is the only place the bundled ggml states its sizes.
    const bindings = Reflect.get(llama, "_bindings") as {
      getBlockSizeForGgmlType(type: number): number | undefined;
      getTypeSizeForGgmlType(type: number): number | undefined;
    };
    for (let id = 0; id < 48; id++) {
      const blockSize = bindings.getBlockSizeForGgmlType(id) ?? 0;
      const typeSize = bindings.getTypeSizeForGgmlType(id) ?? 0;
      const known = ggmlTypes.get(id);
      if (blockSize === 0 || typeSize === 0) expect(known, `type ${id}`).toBeUndefined();
      else expect(known, `type ${id}`).toMatchObject({ blockSize, typeSize });
    }
    await llama.dispose();
  });
});
