/**
 * Tells an image's type and size from its bytes alone: the magic number says what it is, whatever its name or
 * declared type claim, and the header says how many pixels it has without decoding a single one.
 */

/** The image types every vision model Parley speaks to (OpenAI and Anthropic) reads. */
export const IMAGE_MEDIA_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"] as const;

export type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[number];

export type ImageFormat = { mediaType: ImageMediaType; width: number; height: number };

/** The type the bytes begin with, or undefined when they are none of the four. */
export function imageTypeOf(bytes: Uint8Array): ImageMediaType | undefined {
  if (startsWith(bytes, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, 0, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (ascii(bytes, 0, 6) === "GIF87a" || ascii(bytes, 0, 6) === "GIF89a") return "image/gif";
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP") return "image/webp";
  return undefined;
}

/**
 * The type and pixel size, or undefined when the bytes are no image of the four types, or one whose header is
 * cut short or malformed (which no model would read either).
 */
export function readImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const mediaType = imageTypeOf(bytes);
  if (mediaType === undefined) return undefined;
  const size = SIZE_READERS[mediaType](new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (size === undefined || size.width <= 0 || size.height <= 0) return undefined;
  return { mediaType, ...size };
}

type Size = { width: number; height: number };

const SIZE_READERS: Record<ImageMediaType, (view: DataView) => Size | undefined> = {
  // The first chunk of a PNG is IHDR: width and height, big-endian.
  "image/png": (view) =>
    view.byteLength >= 24 && asciiOf(view, 12, 4) === "IHDR"
      ? { width: view.getUint32(16), height: view.getUint32(20) }
      : undefined,
  // The logical screen size, little-endian.
  "image/gif": (view) =>
    view.byteLength >= 10 ? { width: view.getUint16(6, true), height: view.getUint16(8, true) } : undefined,
  "image/jpeg": jpegSize,
  "image/webp": webpSize,
};

/** Start-of-frame markers: C0-CF but for C4 (Huffman tables), C8 (reserved) and CC (arithmetic coding). */
const JPEG_FRAME_MARKERS = new Set([
  0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf,
]);

/** Walks the segments to the start of frame, which holds height then width, big-endian. */
function jpegSize(view: DataView): Size | undefined {
  let offset = 2;
  while (offset + 4 <= view.byteLength) {
    if (view.getUint8(offset) !== 0xff) return undefined;
    const marker = view.getUint8(offset + 1);
    // Fill bytes before a marker.
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    // Markers without a length: TEM and the restart markers.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    // The image data starts (or the image ends) before any frame said its size.
    if (marker === 0xda || marker === 0xd9) return undefined;
    const length = view.getUint16(offset + 2);
    if (length < 2) return undefined;
    if (JPEG_FRAME_MARKERS.has(marker)) {
      if (offset + 9 > view.byteLength) return undefined;
      return { height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
    }
    offset += 2 + length;
  }
  return undefined;
}

/** The first chunk says which of the three WebP encodings follows, and each keeps its size its own way. */
function webpSize(view: DataView): Size | undefined {
  if (view.byteLength < 30) return undefined;
  switch (asciiOf(view, 12, 4)) {
    case "VP8 ":
      // Lossy: a key frame's start code, then 14-bit width and height, little-endian.
      if (view.getUint8(23) !== 0x9d || view.getUint8(24) !== 0x01 || view.getUint8(25) !== 0x2a)
        return undefined;
      return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
    case "VP8L": {
      // Lossless: a signature byte, then width - 1 and height - 1 in 14 bits each.
      if (view.getUint8(20) !== 0x2f) return undefined;
      const bits = view.getUint32(21, true);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    case "VP8X":
      // Extended (alpha, animation): the canvas's width - 1 and height - 1 in 24 bits each.
      return { width: uint24(view, 24) + 1, height: uint24(view, 27) + 1 };
    default:
      return undefined;
  }
}

function uint24(view: DataView, offset: number): number {
  return view.getUint8(offset) | (view.getUint8(offset + 1) << 8) | (view.getUint8(offset + 2) << 16);
}

function startsWith(bytes: Uint8Array, offset: number, expected: readonly number[]): boolean {
  return (
    bytes.length >= offset + expected.length &&
    expected.every((byte, index) => bytes[offset + index] === byte)
  );
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return bytes.length < offset + length
    ? ""
    : String.fromCharCode(...bytes.subarray(offset, offset + length));
}

function asciiOf(view: DataView, offset: number, length: number): string {
  return ascii(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), offset, length);
}
