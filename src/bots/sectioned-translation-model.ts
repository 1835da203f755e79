/**
 * The Tech article translator's model for articles too long for one reply: a ChatModel over the chosen model that
 * splits the article in the last user message into sections that fit (markdown-sections.ts), translates each with
 * its own call carrying the translator's instructions and a short note on the translation so far
 * (section-prompt.ts), and streams the parts as one reply. An article that fits goes to the model in one call, as
 * it came.
 *
 * Sizes are in the chosen model's tokens, counted as runs count them. A section's translation must fit the output
 * budget (the call's maxOutputTokens, at most half the window), and its prompt the rest of the window.
 */
import { AppError } from "../core/app-error.js";
import type { FinishReason } from "../core/run-event.js";
import type {
  ChatCallOptions,
  ChatModel,
  ChatPrompt,
  ChatStreamPart,
  UsagePart,
} from "../providers/chat-model.js";
import { type ArticleMessage, type ArticlePart, articleMessageOf } from "./article-message.js";
import { fitHistory } from "./fit-history.js";
import { type MarkdownSection, splitMarkdownSections } from "./markdown-sections.js";
import { continuityOf, MAX_CONTINUITY_CHARACTERS, sectionPrompt } from "./section-prompt.js";
import { UsageTally } from "./usage-tally.js";

export type TranslationBudget = {
  /** The chosen model's context window, from the catalog. */
  contextWindow: number;
  /** The prompt's tokens for the chosen model: exact where the model can say, estimated otherwise. */
  countTokens: (prompt: ChatPrompt) => Promise<number>;
};

/**
 * A translation takes about as many tokens as its source, more for some scripts in some tokenizers (Chinese in
 * older ones): a section is at most the output budget divided by this, so its translation is not cut.
 */
const OUTPUT_TOKENS_PER_INPUT_TOKEN = 1.5;

/** Sections shorter than this would be translated out of context; a window that leaves less room is refused. */
const MIN_SECTION_CHARACTERS = 200;

/** Each call's tokens: the whole window, the output budget within it, and the rest, for the prompt. */
type Room = { window: number; output: number; input: number };

/** The article in sections, and the earlier turns that every section's prompt keeps. */
type Plan = { article: ArticleMessage; history: ChatPrompt; sections: MarkdownSection[] };

type WithoutUsage = Exclude<ChatStreamPart, UsagePart>;

export class SectionedTranslationModel implements ChatModel {
  readonly modelId: string;
  readonly #inner: ChatModel;
  readonly #budget: TranslationBudget;

  constructor(inner: ChatModel, budget: TranslationBudget) {
    this.modelId = inner.modelId;
    this.#inner = inner;
    this.#budget = budget;
  }

  /**
   * The sections' text in order, a blank line between them, one `usage` (the sum over every call) and one `finish`:
   * `length` if any section was cut short, `stopped` at once on abort. A failed section ends the reply with its
   * error, so a partial translation is never taken for a whole one.
   */
  async *stream(options: ChatCallOptions): AsyncIterable<ChatStreamPart> {
    const tally = new UsageTally();
    try {
      for await (const part of this.#translate(options, tally)) {
        if ((part.type === "finish" || part.type === "error") && tally.usage) yield tally.usage;
        yield part;
      }
    } catch (error) {
      if (tally.usage) yield tally.usage;
      yield { type: "error", error };
    }
  }

  async *#translate(options: ChatCallOptions, tally: UsageTally): AsyncGenerator<WithoutUsage> {
    const last = options.prompt.at(-1);
    if (last?.role !== "user" || (last.images?.length ?? 0) > 0) {
      yield* tally.withoutUsage(this.#inner.stream(options));
      return;
    }
    const window = this.#budget.contextWindow;
    const output = Math.max(
      1,
      Math.min(options.maxOutputTokens ?? Math.floor(window / 4), Math.floor(window / 2)),
    );
    const room = { window, output, input: window - output };
    const call = (prompt: ChatPrompt) =>
      tally.withoutUsage(this.#inner.stream({ ...options, prompt, maxOutputTokens: output }));

    const count = this.#budget.countTokens;
    const article = articleMessageOf(last.content);
    const articleTokens = Math.max(
      1,
      (await count([{ role: "user", content: article.body }])) -
        (await count([{ role: "user", content: "" }])),
    );
    const earlier = options.prompt.slice(0, -1);

    // The whole article in one call when it fits, its translation included.
    const whole =
      articleTokens * OUTPUT_TOKENS_PER_INPUT_TOKEN <= output &&
      (await fitHistory(earlier, (history) => [...history, last], room.input, count));
    if (whole) {
      yield* call(whole.prompt);
      return;
    }
    const plan = await this.#plan(earlier, article, articleTokens, room);
    // Each part's prompt has a note and a section of its own, which no later call starts with: nothing to cache.
    const partCall = (prompt: ChatPrompt) =>
      tally.withoutUsage(
        this.#inner.stream({ ...options, prompt, maxOutputTokens: output, cachePrompt: false }),
      );
    yield* this.#translateSections(plan, room, partCall, options.signal);
  }

  /** Sections as long as a part's prompt and its translation leave room for; throws when that is too little. */
  async #plan(
    earlier: ChatPrompt,
    article: ArticleMessage,
    articleTokens: number,
    room: Room,
  ): Promise<Plan> {
    const count = this.#budget.countTokens;
    // Earlier turns may take at most half the room a part's prompt has, so the sections are not crumbs.
    const widestNote = "…".repeat(MAX_CONTINUITY_CHARACTERS);
    const base = await fitHistory(
      earlier,
      (history) => sectionPrompt(history, article, "", { index: 2, count: 2 }, widestNote),
      Math.floor(room.input / 2),
      count,
    );
    if (!base)
      throw tooSmall(room.window, "its instructions alone take more than half the room for a prompt");
    const sectionTokens = Math.min(
      room.input - (await count(base.prompt)),
      Math.floor(room.output / OUTPUT_TOKENS_PER_INPUT_TOKEN),
    );
    const charactersPerToken = article.body.length / articleTokens;
    const maxCharacters = Math.floor(sectionTokens * charactersPerToken);
    if (maxCharacters < MIN_SECTION_CHARACTERS) {
      throw tooSmall(
        room.window,
        `it leaves room for sections of only ${Math.max(0, maxCharacters)} characters`,
      );
    }
    return { article, history: base.history, sections: splitMarkdownSections(article.body, maxCharacters) };
  }

  async *#translateSections(
    plan: Plan,
    room: Room,
    call: (prompt: ChatPrompt) => AsyncIterable<WithoutUsage>,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<WithoutUsage> {
    const { sections } = plan;
    let written = "";
    let finishReason: FinishReason = "stop";
    let lastCandidate: string | undefined;
    for (let index = 0; index < sections.length; ) {
      if (signal?.aborted) {
        yield { type: "finish", reason: "stopped" };
        return;
      }
      const section = sections[index] as MarkdownSection;
      if (section.code) {
        // A code block too long for any call is copied as it is, as the translator would copy it.
        const delta = separatorAfter(written) + section.text;
        written += delta;
        yield { type: "text.delta", text: delta };
        index++;
        continue;
      }
      const part = { index: index + 1, count: sections.length };
      const sent = await this.#partPrompt(plan, section.text, part, written, room.input);
      if (!sent) {
        // Denser text than the article's average: the section is split again, smaller.
        if (section.text.length <= MIN_SECTION_CHARACTERS) {
          throw tooSmall(room.window, "a short section of this article does not fit it");
        }
        sections.splice(
          index,
          1,
          ...splitMarkdownSections(section.text, Math.floor(section.text.length * 0.6)),
        );
        continue;
      }

      let ended: FinishReason | undefined;
      let leading = true;
      for await (const streamed of call(sent)) {
        if (streamed.type === "model.start") {
          // A failover chain announces its model on every call; the reply needs it only when it changes.
          if (streamed.candidateId === lastCandidate) continue;
          lastCandidate = streamed.candidateId;
          yield streamed;
        } else if (streamed.type === "text.delta") {
          // Each part's reply starts on a fresh paragraph, whatever blank lines the model began with.
          const text = leading ? streamed.text.replace(/^\s+/, "") : streamed.text;
          if (text === "") continue;
          const delta = leading ? separatorAfter(written) + text : text;
          leading = false;
          written += delta;
          yield { type: "text.delta", text: delta };
        } else if (streamed.type === "finish") {
          ended = streamed.reason;
        } else {
          yield streamed;
          return;
        }
      }
      // A stream that ends without saying how was cut: so is the reply.
      if (ended === undefined) return;
      if (ended === "stopped") {
        yield { type: "finish", reason: "stopped" };
        return;
      }
      if (ended === "length") finishReason = "length";
      index++;
    }
    yield { type: "finish", reason: finishReason };
  }

  /** The prompt for one part, with as much of the note on the translation so far as fits; undefined if none fits. */
  async #partPrompt(
    { history, article }: Plan,
    section: string,
    part: ArticlePart,
    written: string,
    inputLimit: number,
  ): Promise<ChatPrompt | undefined> {
    for (const continuity of [continuityOf(written), ""]) {
      const prompt = sectionPrompt(history, article, section, part, continuity);
      if ((await this.#budget.countTokens(prompt)) <= inputLimit) return prompt;
    }
    return undefined;
  }
}

/** What joins the next part to the text so far: enough newlines for a blank line, none at the start. */
function separatorAfter(written: string): string {
  if (written === "" || written.endsWith("\n\n")) return "";
  return written.endsWith("\n") ? "\n" : "\n\n";
}

function tooSmall(window: number, why: string): AppError {
  return new AppError(
    "context_length_exceeded",
    `This article is too long to translate with a ${window}-token context window: ${why}. Choose a model with a longer context window.`,
    { status: 400 },
  );
}
