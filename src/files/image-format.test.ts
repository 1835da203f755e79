import { describe, expect, it } from "vitest";
import { imageTypeOf, readImageFormat } from "./image-format.js";
import {
  JPEG_3X2,
  pngHeaderClaiming,
  sampleGif,
  samplePng,
  WEBP_EXTENDED_3X2,
  WEBP_LOSSLESS_3X2,
  WEBP_LOSSY_3X2,
} from "./test-support/sample-images.js";

describe("reading an image's type and size from its bytes", () => {
  it.each([
    ["PNG", samplePng(640, 480), "image/png", 640, 480],
    ["GIF", sampleGif(300, 7), "image/gif", 300, 7],
    ["JPEG, past an ICC profile segment to its frame header", JPEG_3X2, "image/jpeg", 3, 2],
    ["lossy WebP", WEBP_LOSSY_3X2, "image/webp", 3, 2],
    ["lossless WebP", WEBP_LOSSLESS_3X2, "image/webp", 3, 2],
    ["extended WebP, as browsers write it", WEBP_EXTENDED_3X2, "image/webp", 3, 2],
  ])("reads a %s", (_name, bytes, mediaType, width, height) => {
    expect(readImageFormat(bytes)).toEqual({ mediaType, width, height });
  });

  it("reads the size a header claims without needing the pixels", () => {
    expect(readImageFormat(pngHeaderClaiming(100_000, 100_000))).toEqual({
      mediaType: "image/png",
      width: 100_000,
      height: 100_000,
    });
  });

  it("knows no type for bytes that are not one of the four, whatever they are called", () => {
    for (const bytes of [
      Buffer.from("just some text, not an image"),
      Buffer.from("%PDF-1.7\n"),
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
      Buffer.from("BM\u0000\u0000"), // BMP
      Buffer.from("RIFF\u0000\u0000\u0000\u0000WAVEfmt "), // a RIFF file that is no WebP
      Buffer.alloc(0),
    ]) {
      expect(imageTypeOf(bytes)).toBeUndefined();
      expect(readImageFormat(bytes)).toBeUndefined();
    }
  });

  it("gives no format for an image whose header is cut short or broken", () => {
    expect(imageTypeOf(samplePng(2, 2).subarray(0, 20))).toBe("image/png");
    expect(readImageFormat(samplePng(2, 2).subarray(0, 20))).toBeUndefined();
    expect(readImageFormat(JPEG_3X2.subarray(0, 200))).toBeUndefined();
    expect(readImageFormat(sampleGif(3, 2).subarray(0, 8))).toBeUndefined();
    expect(readImageFormat(WEBP_LOSSY_3X2.subarray(0, 24))).toBeUndefined();
    // A JPEG whose segments do not chain: a length that lands off a marker.
    const broken = Buffer.from(JPEG_3X2);
    broken.writeUInt16BE(3, 4);
    expect(readImageFormat(broken)).toBeUndefined();
    // A PNG claiming zero pixels.
    expect(readImageFormat(pngHeaderClaiming(0, 10))).toBeUndefined();
  });

  it("reads bytes that are a view into a larger buffer", () => {
    const inside = Buffer.concat([Buffer.from("prefix"), samplePng(5, 4)]).subarray(6);
    expect(readImageFormat(inside)).toEqual({ mediaType: "image/png", width: 5, height: 4 });
  });
});
