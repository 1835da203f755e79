import { describe, expect, it } from "vitest";
import { collectToolCalls } from "./collect-tool-calls.js";

describe("collectToolCalls", () => {
  it("joins each call's argument pieces, by index, even when two calls' pieces interleave", () => {
    expect(
      collectToolCalls([
        { event: "text.delta", data: { text: "Checking." } },
        { event: "tool_call.start", data: { index: 0, id: "call_a", name: "get_weather" } },
        { event: "tool_call.delta", data: { index: 0, arguments: '{"city":' } },
        { event: "tool_call.start", data: { index: 1, id: "call_b", name: "get_time" } },
        { event: "tool_call.delta", data: { index: 1, arguments: '{"zone":"CET"}' } },
        { event: "tool_call.delta", data: { index: 0, arguments: '"Paris"}' } },
        { event: "tool_call.delta", data: { index: 7, arguments: "lost" } },
      ]),
    ).toEqual([
      { id: "call_a", name: "get_weather", arguments: '{"city":"Paris"}' },
      { id: "call_b", name: "get_time", arguments: '{"zone":"CET"}' },
    ]);
  });

  it("finds none in a reply of text only", () => {
    expect(collectToolCalls([{ event: "text.delta", data: { text: "Hi" } }])).toEqual([]);
  });
});
