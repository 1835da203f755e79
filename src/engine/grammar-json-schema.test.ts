import { describe, expect, it } from "vitest";
import { BadRequestError } from "../core/app-error.js";
import { grammarJsonSchema } from "./grammar-json-schema.js";

function refusal(schema: Record<string, unknown>): string {
  try {
    grammarJsonSchema(schema);
  } catch (error) {
    if (!(error instanceof BadRequestError)) throw error;
    expect(error.details).toEqual({ param: "response_format.json_schema.schema" });
    return error.message;
  }
  throw new Error(`expected ${JSON.stringify(schema)} to be refused`);
}

describe("grammarJsonSchema", () => {
  it("keeps what the grammar enforces, drops annotations and sorts keywords, keeping property order", () => {
    const schema = {
      title: "Answer",
      $schema: "https://json-schema.org/draft/2020-12/schema",
      additionalProperties: false,
      required: ["z", "a"],
      type: "object",
      properties: {
        z: { description: "first", type: "string", format: "date", default: "2024-01-01" },
        a: {
          type: "array",
          items: { type: ["integer", "null"] },
          prefixItems: [{ const: "x" }],
          maxItems: 3,
        },
        m: { type: "string", enum: ["yes", "no"] },
        ["__proto__"]: { type: "boolean" },
      },
    };
    const translated = grammarJsonSchema(schema);
    expect(JSON.stringify(translated)).toBe(
      JSON.stringify({
        additionalProperties: false,
        properties: {
          z: { format: "date", type: "string" },
          a: {
            items: { type: ["integer", "null"] },
            maxItems: 3,
            prefixItems: [{ const: "x" }],
            type: "array",
          },
          m: { enum: ["yes", "no"], type: "string" },
          ["__proto__"]: { type: "boolean" },
        },
        required: ["z", "a"],
        type: "object",
      }),
    );
    expect(Object.getPrototypeOf((translated as { properties: object }).properties)).toBe(Object.prototype);
  });

  it("writes anyOf as node-llama-cpp's oneOf and root definitions as $defs", () => {
    expect(
      grammarJsonSchema({
        type: "object",
        properties: {
          node: { $ref: "#/definitions/Node" },
          maybe: { anyOf: [{ type: "number" }, { type: "null" }] },
        },
        definitions: {
          Node: { type: "object", properties: { kids: { type: "array", items: { $ref: "#/$defs/Node" } } } },
          "a/b": { type: "null" },
        },
      }),
    ).toEqual({
      type: "object",
      properties: {
        node: { $ref: "#/$defs/Node" },
        maybe: { oneOf: [{ type: "number" }, { type: "null" }] },
      },
      $defs: {
        Node: { type: "object", properties: { kids: { type: "array", items: { $ref: "#/$defs/Node" } } } },
        "a/b": { type: "null" },
      },
    });
  });

  it("refuses, naming the keyword and where it is, what the grammar could not hold the reply to", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { type: "string", pattern: "^a" },
        /'pattern' is not supported by the local engine for type "string" \(at #\)/,
      ],
      [
        { type: "object", properties: { n: { type: "number", minimum: 1 } } },
        /'minimum' is not supported .* \(at #\/properties\/n\)/,
      ],
      [{ type: "object", properties: { x: {} } }, /needs a 'type', 'enum', 'const', 'anyOf' or '\$ref'/],
      [{ type: ["object", "null"] }, /a list of types may name only/],
      [{ type: [] }, /must name at least one type \(at #\/type\)/],
      [{ type: "decimal" }, /unknown type "decimal" \(at #\/type\)/],
      [{ type: "string", format: "email" }, /format "email" is not supported/],
      [{ allOf: [{ type: "string" }] }, /'allOf' is not supported/],
      [
        { type: "object", anyOf: [{ type: "string" }] },
        /'type' is not supported by the local engine beside 'anyOf'/,
      ],
      [{ enum: ["a"], const: "a" }, /'const' and 'enum' cannot be combined/],
      [{ enum: [{ a: 1 }] }, /must be a non-empty list of strings/],
      [{ const: [1] }, /must be a string, number, boolean or null/],
      [{ anyOf: [] }, /must be a non-empty list of schemas/],
      [
        { type: "object", properties: { a: { type: "string" } }, required: ["b"] },
        /names "b", which is not in/,
      ],
      [
        { type: "object", properties: { a: { type: "string" }, b: { type: "string" } }, maxProperties: 1 },
        /is less than the 2 properties, which are always all written \(at #\/maxProperties\)/,
      ],
      [{ type: "string", minLength: 3, maxLength: 2 }, /is less than 'minLength'/],
      [
        { type: "array", prefixItems: [{ type: "null" }, { type: "null" }], maxItems: 1 },
        /is less than the 2 prefixItems/,
      ],
      [{ type: "array", items: true }, /a schema must be an object \(at #\/items\)/],
      [{ $ref: "#/$defs/Missing" }, /must point to a definition at the root/],
      [{ $ref: "https://example.com/schema" }, /must point to a definition at the root/],
      [
        { type: "object", properties: { a: { $defs: {}, type: "string" } } },
        /'\$defs' is only supported at the root/,
      ],
      [
        { $defs: { a: { type: "string" } }, definitions: {}, type: "string" },
        /either '\$defs' or 'definitions'/,
      ],
      [
        { $defs: { a: { type: "string", pattern: "x" } }, type: "string" },
        /'pattern' .* \(at #\/\$defs\/a\)/,
      ],
    ];
    for (const [schema, message] of cases) expect(refusal(schema), JSON.stringify(schema)).toMatch(message);
  });

  it("refuses a schema nested too deeply for the stack", () => {
    let schema: Record<string, unknown> = { type: "string" };
    for (let level = 0; level < 10_000; level++) schema = { type: "array", items: schema };
    expect(refusal(schema)).toMatch(/nests deeper than 64 levels/);
  });
});
