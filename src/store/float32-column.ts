/** Reads and writes vectors kept in byte columns as float32 values, little-endian, 4 bytes each. */

export function toFloat32Column(vector: Float32Array): Uint8Array {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  for (let index = 0; index < vector.length; index++) view.setFloat32(index * 4, vector[index] ?? 0, true);
  return bytes;
}

export function fromFloat32Column(bytes: Uint8Array): Float32Array {
  // A view of the driver's buffer could start at an offset that is not a multiple of 4: read it value by value.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vector = new Float32Array(Math.floor(bytes.byteLength / 4));
  for (let index = 0; index < vector.length; index++) vector[index] = view.getFloat32(index * 4, true);
  return vector;
}
