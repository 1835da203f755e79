import { getLlama, type Llama } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestError } from "../core/app-error.js";
import { ResponseGrammarCache } from "./response-grammar-cache.js";

let llama: Llama;

beforeAll(async () => {
  llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, logger: () => {} });
});

afterAll(async () => {
  await llama?.dispose();
});

const schemaFormat = (schema: Record<string, unknown>) => ({ type: "json_schema" as const, schema });

describe("ResponseGrammarCache", () => {
  it("has no grammar for text, llama.cpp's JSON grammar for json_object, and one per schema", async () => {
    const cache = new ResponseGrammarCache(llama);
    expect(await cache.forFormat({ type: "text" })).toBeUndefined();

    const json = await cache.forFormat({ type: "json_object" });
    expect(json?.grammar.grammar).toMatch(/^root\s+::= object/m);
    expect(json?.trimWhitespaceSuffix).toBe(true);

    const schema = await cache.forFormat(
      schemaFormat({ type: "object", properties: { a: { type: "boolean" } } }),
    );
    expect(schema?.grammar.grammar).toContain('"\\"a\\""');
    // The grammar only lets generation end after four newlines: the token loop has to stop on them itself.
    expect(schema?.grammar.grammar).toContain('"\\n\\n\\n\\n" [\\n]*');
    expect(schema?.stopTexts).toEqual(["\n\n\n\n"]);
    expect(schema?.trimWhitespaceSuffix).toBe(true);
  });

  it("builds a schema once, whatever the order of its keywords, and keeps the most recently used", async () => {
    const cache = new ResponseGrammarCache(llama, 2);
    const first = { type: "object", properties: { x: { type: "string" }, y: { type: "null" } } };
    const reordered = { properties: { x: { type: "string" }, y: { type: "null" } }, type: "object" };
    const [a, b] = await Promise.all([
      cache.forFormat(schemaFormat(first)),
      cache.forFormat(schemaFormat(reordered)),
    ]);
    expect(b).toBe(a);
    // The order of properties is the order the reply writes them in, so it makes another grammar.
    const swappedFormat = schemaFormat({
      type: "object",
      properties: { y: { type: "null" }, x: { type: "string" } },
    });
    const swapped = await cache.forFormat(swappedFormat);
    expect(swapped).not.toBe(a);
    expect(await cache.forFormat(schemaFormat(first))).toBe(a);

    await cache.forFormat({ type: "json_object" });
    expect(cache.size).toBe(2);
    // The swapped schema was the least recently used, so it went; the first one stayed.
    expect(await cache.forFormat(schemaFormat(first))).toBe(a);
    expect(cache.size).toBe(2);
    expect(await cache.forFormat(swappedFormat)).not.toBe(swapped);
  });

  it("refuses a schema llama.cpp cannot take with a 400, and keeps no failure", async () => {
    const cache = new ResponseGrammarCache(llama);
    const loop = schemaFormat({ $ref: "#/$defs/a", $defs: { a: { $ref: "#/$defs/a" } } });
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await cache.forFormat(loop).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({ details: { param: "response_format.json_schema.schema" } });
      expect((error as Error).message).toMatch(/refers to itself/);
    }
    expect(cache.size).toBe(0);
    await expect(cache.forFormat(schemaFormat({ type: "string", pattern: "a+" }))).rejects.toThrow(
      /'pattern'/,
    );
  });
});
