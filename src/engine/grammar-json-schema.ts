/**
 * Turns a request's JSON Schema into the subset node-llama-cpp makes grammars from, or refuses it with a 400 that
 * names the keyword. node-llama-cpp skips keywords it does not know and writes `null` for a schema it cannot place,
 * so a schema passed through unchecked could let replies break it silently.
 */
import type { GbnfJsonSchema } from "node-llama-cpp";
import { BadRequestError } from "../core/app-error.js";

export const schemaParam = "response_format.json_schema.schema";

/** Keywords that describe a value without constraining it: the grammar is the same without them. */
const annotations = new Set([
  "title",
  "description",
  "$comment",
  "$schema",
  "$id",
  "default",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
]);

/** What each type may say besides its annotations: what node-llama-cpp turns into grammar rules. */
const keywordsOfType: Record<string, readonly string[]> = {
  object: ["type", "properties", "additionalProperties", "required", "minProperties", "maxProperties"],
  array: ["type", "items", "prefixItems", "minItems", "maxItems"],
  string: ["type", "minLength", "maxLength", "format"],
  number: ["type"],
  integer: ["type"],
  boolean: ["type"],
  null: ["type"],
};

const knownKeywords = new Set([...Object.values(keywordsOfType).flat(), "$defs", "definitions"]);

/** node-llama-cpp reads a list of types only as these; objects and arrays in one would be dropped. */
const listableTypes = new Set(["string", "number", "integer", "boolean", "null"]);

/** The formats node-llama-cpp has rules for; any other would come out as an empty string. */
const stringFormats = new Set(["date", "time", "date-time"]);

/** Far beyond real schemas (OpenAI allows 10 levels), and well within the stack. */
const maxDepth = 64;

type Place = {
  path: string;
  depth: number;
  definitions: ReadonlySet<string>;
  keepDescriptions: boolean;
};

export type GrammarJsonSchemaOptions = {
  /** The request field the schema came in, named by a refusal; `response_format.json_schema.schema` unless told. */
  param?: string;
  /**
   * Keeps `description`s (which the grammar ignores): node-llama-cpp writes them into the function signatures it
   * shows a model, so a tool's parameters keep theirs.
   */
  keepDescriptions?: boolean;
};

/**
 * The schema as node-llama-cpp should get it: `anyOf` as its `oneOf`, `definitions` as `$defs`, no annotations (but
 * descriptions, when asked to keep them).
 */
export function grammarJsonSchema(
  schema: Record<string, unknown>,
  options: GrammarJsonSchemaOptions = {},
): GbnfJsonSchema {
  const param = options.param ?? schemaParam;
  try {
    return translateRoot(schema, options.keepDescriptions ?? false);
  } catch (error) {
    if (!(error instanceof SchemaProblem)) throw error;
    throw new BadRequestError(`Invalid '${param}': ${error.message} (at ${error.path}).`, {
      code: "invalid_value",
      details: { param },
    });
  }
}

/** What `refuse` throws inside the translation, before the refusal is given its field. */
class SchemaProblem extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(problem);
    this.path = path;
  }
}

function translateRoot(schema: Record<string, unknown>, keepDescriptions: boolean): GbnfJsonSchema {
  if ("$defs" in schema && "definitions" in schema)
    refuse("#", "write either '$defs' or 'definitions', not both");
  const definitionsKey = "$defs" in schema ? "$defs" : "definitions";
  const definitions = schema[definitionsKey] ?? {};
  if (!isObject(definitions)) refuse("#", `'${definitionsKey}' must be an object of schemas`);
  const names = new Set(Object.keys(definitions));
  const root = translate(schema, { path: "#", depth: 0, definitions: names, keepDescriptions }, [
    "$defs",
    "definitions",
  ]);
  if (names.size > 0) {
    root.$defs = Object.fromEntries(
      Object.entries(definitions).map(([name, definition]) => [
        name,
        translate(definition, {
          path: `#/${definitionsKey}/${pointer(name)}`,
          depth: 1,
          definitions: names,
          keepDescriptions,
        }),
      ]),
    );
  }
  return root as GbnfJsonSchema;
}

/** One schema checked and rewritten; keywords come out sorted, so equal schemas make equal cache keys. */
function translate(value: unknown, place: Place, rootOnly: readonly string[] = []): Record<string, unknown> {
  const { path } = place;
  if (place.depth > maxDepth) refuse(path, `the schema nests deeper than ${maxDepth} levels`);
  if (!isObject(value)) refuse(path, "a schema must be an object");
  const allowed = allowedKeywords(value, path);
  const translated: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (key === "description" && place.keepDescriptions && typeof value[key] === "string") {
      translated[key] = value[key];
      continue;
    }
    if (annotations.has(key) || rootOnly.includes(key)) continue;
    if (key === "$defs" || key === "definitions") refuse(path, `'${key}' is only supported at the root`);
    if (!allowed.keywords.includes(key))
      refuse(path, `'${key}' is not supported by the local engine ${allowed.context}`);
    const keyword = key === "anyOf" ? "oneOf" : key;
    translated[keyword] = translateKeyword(key, value[key], { ...place, path: `${path}/${key}` }, value);
  }
  return translated;
}

/**
 * A schema is one kind (reference, alternatives, constant, choice or type) and may say only what node-llama-cpp reads
 * for that kind; `context` says which kind, for messages.
 */
function allowedKeywords(
  schema: Record<string, unknown>,
  path: string,
): { keywords: readonly string[]; context: string } {
  const kinds = ["$ref", "anyOf", "oneOf", "const", "enum"].filter((key) => key in schema);
  if (kinds.length > 1) refuse(path, `'${kinds[0]}' and '${kinds[1]}' cannot be combined`);
  const kind = kinds[0];
  // A type beside a constant or a choice is looser than they are, so it can go.
  if (kind === "const" || kind === "enum") return { keywords: [kind, "type"], context: `beside '${kind}'` };
  if (kind !== undefined) return { keywords: [kind], context: `beside '${kind}'` };
  const type = schema.type;
  const context = `for type ${JSON.stringify(type)}`;
  if (typeof type === "string") {
    const keywords = keywordsOfType[type];
    if (!keywords) refuse(`${path}/type`, `unknown type ${JSON.stringify(type)}`);
    return { keywords, context };
  }
  if (Array.isArray(type)) return { keywords: ["type"], context };
  if (type === undefined) {
    const unknown = Object.keys(schema).find((key) => !annotations.has(key) && !knownKeywords.has(key));
    if (unknown !== undefined) refuse(path, `'${unknown}' is not supported by the local engine`);
    refuse(
      path,
      "a schema needs a 'type', 'enum', 'const', 'anyOf' or '$ref' (the local engine cannot leave a value's type open)",
    );
  }
  refuse(`${path}/type`, "must be a type name or a list of them");
}

function translateKeyword(
  key: string,
  value: unknown,
  place: Place,
  schema: Record<string, unknown>,
): unknown {
  const { path } = place;
  const inner = (item: unknown, at: string) =>
    translate(item, { ...place, path: at, depth: place.depth + 1 });
  switch (key) {
    case "$ref":
      return reference(value, place);
    case "anyOf":
    case "oneOf":
    case "prefixItems":
      if (!Array.isArray(value) || value.length === 0) refuse(path, "must be a non-empty list of schemas");
      return value.map((item, index) => inner(item, `${path}/${index}`));
    case "const":
      if (!isScalar(value)) refuse(path, "must be a string, number, boolean or null");
      return value;
    case "enum":
      if (!Array.isArray(value) || value.length === 0 || !value.every(isScalar))
        refuse(path, "must be a non-empty list of strings, numbers, booleans or nulls");
      return value;
    case "type":
      if (Array.isArray(value) && value.length === 0) refuse(path, "must name at least one type");
      if (Array.isArray(value) && !value.every((type) => listableTypes.has(type)))
        refuse(path, "a list of types may name only string, number, integer, boolean and null; use anyOf");
      return value;
    case "properties":
      if (!isObject(value)) refuse(path, "must be an object of schemas");
      return Object.fromEntries(
        Object.entries(value).map(([name, item]) => [name, inner(item, `${path}/${pointer(name)}`)]),
      );
    case "additionalProperties":
      return typeof value === "boolean" ? value : inner(value, path);
    case "items":
      return inner(value, path);
    case "required":
      return requiredNames(value, place, schema);
    case "format":
      if (typeof value !== "string" || !stringFormats.has(value))
        refuse(path, `format ${JSON.stringify(value)} is not supported (only date, time and date-time)`);
      return value;
    default:
      return bound(key, value, place, schema);
  }
}

/** Only references to the root's definitions: node-llama-cpp looks a name up there, not by JSON Pointer. */
function reference(value: unknown, place: Place): string {
  const match = typeof value === "string" ? /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(value) : null;
  const name = match?.[1]?.replaceAll("~1", "/").replaceAll("~0", "~");
  if (name === undefined || !place.definitions.has(name))
    refuse(place.path, "must point to a definition at the root, like #/$defs/Name");
  return `#/$defs/${name}`;
}

/** node-llama-cpp writes every property, so any property may be required but none may be missing. */
function requiredNames(value: unknown, place: Place, schema: Record<string, unknown>): unknown {
  if (!Array.isArray(value) || !value.every((name) => typeof name === "string"))
    refuse(place.path, "must be a list of property names");
  const properties = isObject(schema.properties) ? schema.properties : {};
  const unknown = value.find((name) => !Object.hasOwn(properties, name));
  if (unknown !== undefined)
    refuse(place.path, `names ${JSON.stringify(unknown)}, which is not in 'properties'`);
  return value;
}

/** minLength, maxItems and the like; a maximum the grammar could not keep to is refused. */
function bound(key: string, value: unknown, place: Place, schema: Record<string, unknown>): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0)
    refuse(place.path, "must be a non-negative integer");
  const minimumKey = key.replace(/^max/, "min");
  const minimum = schema[minimumKey];
  if (minimumKey !== key && typeof minimum === "number" && value < minimum)
    refuse(place.path, `is less than '${minimumKey}'`);
  // node-llama-cpp writes every listed property and every prefix item, whatever the maximum says.
  if (key === "maxProperties" && isObject(schema.properties)) {
    const listed = Object.keys(schema.properties).length;
    if (value < listed)
      refuse(place.path, `is less than the ${listed} properties, which are always all written`);
  }
  if (key === "maxItems" && Array.isArray(schema.prefixItems) && value < schema.prefixItems.length)
    refuse(
      place.path,
      `is less than the ${schema.prefixItems.length} prefixItems, which are always all written`,
    );
  return value;
}

function refuse(path: string, problem: string): never {
  throw new SchemaProblem(path, problem);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

/** A name as a JSON Pointer segment, so paths in messages can be followed. */
function pointer(name: string): string {
  return name.replaceAll("~", "~0").replaceAll("/", "~1");
}
