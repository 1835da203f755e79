import { describe, expect, it } from "vitest";
import { encodeSse } from "./sse-writer.js";

describe("encodeSse", () => {
  it("frames id, event and data, ending with a blank line", () => {
    expect(encodeSse({ id: 7, event: "text.delta", data: '{"text":"a"}' })).toBe(
      'id: 7\nevent: text.delta\ndata: {"text":"a"}\n\n',
    );
  });

  it("splits data on every kind of line break so no payload can end a frame early", () => {
    expect(encodeSse({ data: "one\ntwo\r\nthree\rfour" })).toBe(
      "data: one\ndata: two\ndata: three\ndata: four\n\n",
    );
  });

  it("refuses a line break in an id or event name", () => {
    expect(() => encodeSse({ id: "1\nevent: run.end", data: "{}" })).toThrow(
      /id must not contain a line break/,
    );
    expect(() => encodeSse({ event: "a\rb", data: "{}" })).toThrow(/event must not contain a line break/);
  });
});
