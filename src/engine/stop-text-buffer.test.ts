import { describe, expect, it } from "vitest";
import { StopTextBuffer } from "./stop-text-buffer.js";

function run(stops: string[], pieces: string[]) {
  const buffer = new StopTextBuffer(stops);
  const emitted: string[] = [];
  for (const piece of pieces) {
    const result = buffer.push(piece);
    emitted.push(result.text);
    if (result.stopped) return { emitted, stopped: true };
  }
  emitted.push(buffer.flush());
  return { emitted, stopped: false };
}

describe("StopTextBuffer", () => {
  it("passes text through when there are no stop strings", () => {
    expect(run([], ["ab", "c"])).toEqual({ emitted: ["ab", "c", ""], stopped: false });
  });

  it("cuts at a stop string split over pieces, sending nothing of it", () => {
    expect(run(["END"], ["abc E", "N", "Dxyz"])).toEqual({ emitted: ["abc ", "", ""], stopped: true });
  });

  it("releases held text once it cannot start a stop string", () => {
    expect(run(["END"], ["abc E", "Nx", "y"])).toEqual({ emitted: ["abc ", "ENx", "y", ""], stopped: false });
  });

  it("cuts at the earliest of several stop strings", () => {
    expect(run(["zz", "b"], ["a", "bzz"])).toEqual({ emitted: ["a", ""], stopped: true });
  });

  it("returns held text on flush when generation ended first", () => {
    expect(run(["<|im_end|>"], ["hi <|im"])).toEqual({ emitted: ["hi ", "<|im"], stopped: false });
  });
});
