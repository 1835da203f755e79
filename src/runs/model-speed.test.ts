import { describe, expect, it } from "vitest";
import { ModelSpeed } from "./model-speed.js";

describe("ModelSpeed", () => {
  it("says nothing about a model that has not answered yet", () => {
    expect(new ModelSpeed().summary("tiny")).toEqual({
      ttftMsP50: null,
      tokensPerSecondP50: null,
      samples: 0,
    });
  });

  it("gives the median of each measure over the replies that had one, per model", () => {
    const speed = new ModelSpeed();
    speed.record("tiny", { ttftMs: 30, tokensPerSecond: 100 });
    speed.record("tiny", { ttftMs: 10, tokensPerSecond: 300 });
    speed.record("tiny", { ttftMs: 20, tokensPerSecond: null });
    // A reply without text has no time to first token and no speed, but it was a reply.
    speed.record("tiny", { ttftMs: null, tokensPerSecond: null });
    speed.record("remote", { ttftMs: 900, tokensPerSecond: 40 });
    expect(speed.summary("tiny")).toEqual({ ttftMsP50: 20, tokensPerSecondP50: 100, samples: 4 });
    expect(speed.summary("remote")).toEqual({ ttftMsP50: 900, tokensPerSecondP50: 40, samples: 1 });
  });

  it("forgets the oldest replies beyond its window, so a model that got slower shows it", () => {
    const speed = new ModelSpeed(3);
    for (const ttftMs of [5, 5, 5, 80, 90, 100])
      speed.record("tiny", { ttftMs, tokensPerSecond: 1000 / ttftMs });
    expect(speed.summary("tiny")).toMatchObject({ ttftMsP50: 90, samples: 3 });
  });
});
