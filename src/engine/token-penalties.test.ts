import type { Token } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { chatPenalty, sequencePenalty } from "./token-penalties.js";

describe("token penalties", () => {
  it("punishes the reply's own tokens by OpenAI's flat and per-use amounts, llama.cpp's own penalty off", () => {
    const generated = [1, 2, 2, 3] as Token[];
    const penalty = sequencePenalty({ presencePenalty: 0.5, frequencyPenalty: 1.5 }, generated);
    expect(penalty).toMatchObject({ penalty: 1, presencePenalty: 0.5, frequencyPenalty: 1.5 });
    const punished = penalty?.punishTokens;
    expect(typeof punished === "function" ? punished() : punished).toEqual([1, 2, 2, 3]);
    // Read as the reply grows: the tokens sampled since are punished too.
    generated.push(4 as Token);
    expect(typeof punished === "function" ? punished() : punished).toEqual([1, 2, 2, 3, 4]);
    expect(chatPenalty({ presencePenalty: -1, frequencyPenalty: 0 })).toMatchObject({
      penalty: 1,
      presencePenalty: -1,
      frequencyPenalty: 0,
    });
  });

  it("looks back at most 256 of the reply's tokens", () => {
    const generated = Array.from({ length: 300 }, (_, index) => index as Token);
    const punished = sequencePenalty({ presencePenalty: 1, frequencyPenalty: 0 }, generated)?.punishTokens;
    const tokens = typeof punished === "function" ? punished() : punished;
    expect(tokens).toHaveLength(256);
    expect(tokens?.[0]).toBe(44);
  });

  it("asks for no penalty at all when both are 0", () => {
    expect(sequencePenalty({ presencePenalty: 0, frequencyPenalty: 0 }, [])).toBeUndefined();
    expect(chatPenalty({ presencePenalty: 0, frequencyPenalty: 0 })).toBe(false);
  });
});
