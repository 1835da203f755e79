/**
 * Test support: real images of each type Parley reads. PNGs are made here at any size; the others are 3x2
 * pictures a browser encoded (chromium's canvas), kept as base64, since Node has no JPEG, GIF or WebP encoder.
 */
import { crc32, deflateSync } from "node:zlib";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG of `width` x `height` pixels in one colour; every viewer opens it. */
export function samplePng(
  width: number,
  height: number,
  rgb: readonly [number, number, number] = [200, 0, 50],
) {
  const row = Buffer.from([0, ...Array.from({ length: width }, () => rgb).flat()]);
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk("IHDR", pngHeader(width, height)),
    pngChunk("IDAT", deflateSync(Buffer.concat(Array.from({ length: height }, () => row)))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A PNG's signature and header claiming any size, with no pixels behind them (as a decompression bomb starts). */
export function pngHeaderClaiming(width: number, height: number): Buffer {
  return Buffer.concat([PNG_SIGNATURE, pngChunk("IHDR", pngHeader(width, height))]);
}

/** 8-bit RGB, deflate, adaptive filtering, not interlaced. */
function pngHeader(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return header;
}

/**
 * A GIF89a of `width` x `height` pixels striped in two colours. Its LZW stream sends a clear code before every
 * pixel, so the code table never grows and every code is 3 bits: valid, if not small.
 */
export function sampleGif(width: number, height: number): Buffer {
  const screen = Buffer.alloc(7);
  screen.writeUInt16LE(width, 0);
  screen.writeUInt16LE(height, 2);
  screen.set([0xf0, 0, 0], 4); // a global colour table of 2 entries
  const descriptor = Buffer.alloc(10);
  descriptor.set([0x2c], 0);
  descriptor.writeUInt16LE(width, 5);
  descriptor.writeUInt16LE(height, 7);
  const CLEAR = 4;
  const END = 5;
  const codes = [...Array.from({ length: width * height }, (_, pixel) => [CLEAR, pixel % 2]).flat(), END];
  const packed: number[] = [];
  let bits = 0;
  let count = 0;
  for (const code of codes) {
    bits |= code << count;
    count += 3;
    while (count >= 8) {
      packed.push(bits & 0xff);
      bits >>= 8;
      count -= 8;
    }
  }
  if (count > 0) packed.push(bits & 0xff);
  const blocks: number[] = [];
  for (let offset = 0; offset < packed.length; offset += 255) {
    const block = packed.slice(offset, offset + 255);
    blocks.push(block.length, ...block);
  }
  return Buffer.concat([
    Buffer.from("GIF89a", "ascii"),
    screen,
    Buffer.from([0xcc, 0x00, 0x33, 0x00, 0xcc, 0x33]),
    descriptor,
    Buffer.from([2, ...blocks, 0, 0x3b]),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** 3x2 baseline JPEG with an ICC profile segment before its frame header. */
export const JPEG_3X2 = Buffer.from(
  "/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAAAABhY3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAAAChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADb/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAACAAMDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAX/xAAaEAEAAQUAAAAAAAAAAAAAAAAAAQIDMnKy/8QAFQEBAQAAAAAAAAAAAAAAAAAAAwb/xAAbEQACAQUAAAAAAAAAAAAAAAAAAQIDMTNxsf/aAAwDAQACEQMRAD8AiXs41p5gASsVNDFHS4f/2Q==",
  "base64",
);

/** 3x2 lossy WebP, simple format (one `VP8 ` chunk). */
export const WEBP_LOSSY_3X2 = Buffer.from(
  "UklGRkYAAABXRUJQVlA4IDoAAADQAQCdASoDAAIAAsBMJagCdAEO/gOOAAD+5Ns3duuNpEIP/5ovjgfP/5N//+QZ/5944Hz/+Tf9PAAA",
  "base64",
);

/** 3x2 lossless WebP, simple format (one `VP8L` chunk). */
export const WEBP_LOSSLESS_3X2 = Buffer.from(
  "UklGRiAAAABXRUJQVlA4TBQAAAAvAkAAAA9wGuZhnpn5jxa0IKL/AQ==",
  "base64",
);

/** 3x2 lossy WebP, extended format (`VP8X` with an ICC profile), as browsers write it. */
export const WEBP_EXTENDED_3X2 = Buffer.from(
  "UklGRigCAABXRUJQVlA4WAoAAAAgAAAAAgAAAQAASUNDUMgBAAAAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAAAABhY3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAAAChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADZWUDggOgAAANABAJ0BKgMAAgACwEwlqAJ0AQ7+A44AAP7k2zd2642kQg//mi+OB8//k3//5Bn/n3jgfP/5N/08AAA=",
  "base64",
);
