import { describe, expect, it } from "vitest";
import { TrailingWhitespaceBuffer } from "./trailing-whitespace-buffer.js";

describe("TrailingWhitespaceBuffer", () => {
  it("sends whitespace only once text follows it", () => {
    const buffer = new TrailingWhitespaceBuffer();
    expect(buffer.push('{"a":')).toBe('{"a":');
    expect(buffer.push(" ")).toBe("");
    expect(buffer.push("\n")).toBe("");
    expect(buffer.push("1\n")).toBe(" \n1");
    expect(buffer.push("}\n\t ")).toBe("\n}");
    expect(buffer.push("")).toBe("");
    expect(buffer.flush()).toBe("\n\t ");
    expect(buffer.flush()).toBe("");
  });
});
