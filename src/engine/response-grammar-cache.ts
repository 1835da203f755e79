/** The grammars of JSON mode and structured outputs, kept for reuse: one costs far more to build than to apply. */
import { type GbnfJsonSchema, isLlamaText, type Llama, type LlamaGrammar } from "node-llama-cpp";
import { BadRequestError } from "../core/app-error.js";
import type { ResponseFormat } from "./chat-completion-request.js";
import { grammarJsonSchema, schemaParam } from "./grammar-json-schema.js";

/** A grammar with what the token loop must do itself, as `LlamaChat` would, when it samples through `evaluate`. */
export type ResponseGrammar = {
  readonly grammar: LlamaGrammar;
  /**
   * Texts that complete the reply. node-llama-cpp's JSON-schema grammars end in four newlines (then any number),
   * so the end of generation is only allowed after them and a model may write newlines until its limit.
   */
  readonly stopTexts: readonly string[];
  /** The whitespace a grammar lets the model write after the value is padding, not part of the reply. */
  readonly trimWhitespaceSuffix: boolean;
};

/** Schemas in use by an application repeat; a few dozen cover them without holding on to every one ever sent. */
const defaultCapacity = 32;

/** One per model: a grammar belongs to the `Llama` that built it. */
export class ResponseGrammarCache {
  readonly #llama: Llama;
  readonly #capacity: number;
  /** Least recently used first. Promises, so that requests arriving together with one schema build it once. */
  readonly #grammars = new Map<string, Promise<ResponseGrammar>>();

  constructor(llama: Llama, capacity = defaultCapacity) {
    this.#llama = llama;
    this.#capacity = capacity;
  }

  /** Undefined for free text; a 400 for a schema that cannot become a grammar. */
  async forFormat(format: ResponseFormat): Promise<ResponseGrammar | undefined> {
    if (format.type === "text") return undefined;
    // llama.cpp's own JSON grammar: any object, which is what OpenAI's json_object promises.
    if (format.type === "json_object")
      return this.#cached("json_object", () => this.#llama.getGrammarFor("json"));
    return this.forSchema(format.schema, schemaParam);
  }

  /**
   * The grammar of a JSON Schema from the request field `param`, which a refusal names. A tool's arguments get theirs
   * from `LlamaChat`; this one, built from the same schema by the same generator, checks ahead that it can be built.
   */
  forSchema(requestSchema: Record<string, unknown>, param: string): Promise<ResponseGrammar> {
    const schema = grammarJsonSchema(requestSchema, { param });
    // A schema's JSON text starts with "{", so it cannot be taken for the key above.
    return this.#cached(JSON.stringify(schema), async () => {
      try {
        return await this.#llama.createGrammarForJsonSchema<GbnfJsonSchema>(schema);
      } catch (error) {
        throw new BadRequestError(`Invalid '${param}': ${grammarFailure(error)}.`, {
          code: "invalid_value",
          details: { param },
          cause: error,
        });
      }
    });
  }

  get size(): number {
    return this.#grammars.size;
  }

  #cached(key: string, build: () => Promise<LlamaGrammar>): Promise<ResponseGrammar> {
    const cached = this.#grammars.get(key);
    if (cached) {
      this.#grammars.delete(key);
      this.#grammars.set(key, cached);
      return cached;
    }
    const built = build().then(responseGrammar);
    this.#grammars.set(key, built);
    // A failure is not kept: the next request tries again (and a refused schema costs little to refuse again).
    built.catch(() => {
      if (this.#grammars.get(key) === built) this.#grammars.delete(key);
    });
    for (const oldest of this.#grammars.keys()) {
      if (this.#grammars.size <= this.#capacity) break;
      this.#grammars.delete(oldest);
    }
    return built;
  }
}

function grammarFailure(error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  // llama.cpp says why only in its log; the usual reason a checked schema gets here is a loop of references.
  if (/failed to parse grammar/i.test(reason))
    return "llama.cpp refused its grammar, as it does when a definition refers to itself before writing anything";
  return `the local engine could not make a grammar of it (${reason})`;
}

function responseGrammar(grammar: LlamaGrammar): ResponseGrammar {
  return {
    grammar,
    stopTexts: grammar.stopGenerationTriggers.flatMap(plainText),
    trimWhitespaceSuffix: grammar.trimWhitespaceSuffix,
  };
}

/** node-llama-cpp's JSON grammars stop on plain text only; a trigger with special tokens is not one of theirs. */
function plainText(trigger: LlamaGrammar["stopGenerationTriggers"][number]): string[] {
  const values = typeof trigger === "string" ? [trigger] : isLlamaText(trigger) ? trigger.values : trigger;
  if (!values.every((value) => typeof value === "string")) return [];
  const text = values.join("");
  return text === "" ? [] : [text];
}
