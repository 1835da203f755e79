/**
 * The Tech article translator's model for articles too long for one reply: a ChatModel over the chosen model that
 * splits the article in the last user message into sections that fit (markdown-sections.ts), translates each with
 * its own call carrying the translator's instructions and a short note on the translation so far, and streams the
 * parts as one reply. An article that fits goes to the model in one call, as it came.
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
  ChatPromptMessage,
  ChatStreamPart,
} from "../providers/chat-model.js";
import { articleBlockIn } from "./article-prompt.js";
import { type MarkdownSection, splitMarkdownSections } from "./markdown-sections.js";

export type TranslationBudget = {
  /** The chosen model's context window, from the catalog. */
  contextWindow: number;
  /** The prompt's tokens for the chosen model: exact where the model can say, estimated otherwise. */
  countTokens: (prompt: ChatPrompt) => Promise<number>;
};

/** A reply written in several model calls that still streams, and is stored, as one. */
export type SectionedReply = {
  /** What routing and fitting size the reply by: the prompt with one section of the article, not all of it. */
  routingPrompt: ChatPrompt;
  /** The model routing chose, made to translate section by section within its window. */
  wrap(model: ChatModel, budget: TranslationBudget): ChatModel;
};

/**
 * A translation takes about as many tokens as its source, more for some scripts in some tokenizers (Chinese in
 * older ones): a section is at most the output budget divided by this, so its translation is not cut.
 */
const OUTPUT_TOKENS_PER_INPUT_TOKEN = 1.5;

/** Articles up to this long are routed and sent as they are; longer ones may need sections. */
const ROUTING_SAMPLE_CHARACTERS = 2_000;

/** Sections shorter than this would be translated out of context; a window that leaves less room is refused. */
const MIN_SECTION_CHARACTERS = 200;

/** The note on the translation so far: its latest headings and its last words. */
const CONTINUITY_HEADINGS = 6;
const CONTINUITY_TAIL_CHARACTERS = 200;
const MAX_CONTINUITY_CHARACTERS = 800;

/** What the user's own message began with, carried to later parts of a pasted text (it may name the language). */
const OPENING_CHARACTERS = 200;

type Part = { index: number; count: number };

/** The last user message as an article: its body, and the message that carries one section of it. */
type ArticleMessage = {
  body: string;
  message(section: string, part: Part): string;
  /** For a pasted text: how the user's message began, which only the first part carries. */
  opening?: string;
};

type UsagePart = Extract<ChatStreamPart, { type: "usage" }>;

/**
 * For the translator's turn: undefined when the last message is too short to need sections (the turn is then
 * routed and answered as any other).
 */
export function sectionedTranslation(prompt: ChatPrompt): SectionedReply | undefined {
  const last = prompt.at(-1);
  if (last?.role !== "user" || (last.images?.length ?? 0) > 0) return undefined;
  const article = articleMessageOf(last.content);
  if (article.body.length <= ROUTING_SAMPLE_CHARACTERS) return undefined;
  const sample = splitMarkdownSections(article.body, ROUTING_SAMPLE_CHARACTERS)[0]?.text ?? "";
  return {
    routingPrompt: [
      ...prompt.slice(0, -1),
      { ...last, content: article.message(sample, { index: 1, count: 1 }) },
    ],
    wrap: (model, budget) => new SectionedTranslationModel(model, budget),
  };
}

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
    const tally: { usage: UsagePart | undefined } = { usage: undefined };
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

  async *#translate(
    options: ChatCallOptions,
    tally: { usage: UsagePart | undefined },
  ): AsyncGenerator<Exclude<ChatStreamPart, UsagePart>> {
    const { prompt, signal } = options;
    const last = prompt.at(-1);
    if (last?.role !== "user" || (last.images?.length ?? 0) > 0) {
      yield* withoutUsage(this.#inner.stream(options), tally);
      return;
    }
    const window = this.#budget.contextWindow;
    const output = Math.max(
      1,
      Math.min(options.maxOutputTokens ?? Math.floor(window / 4), Math.floor(window / 2)),
    );
    const inputLimit = window - output;
    const article = articleMessageOf(last.content);
    const count = this.#budget.countTokens;
    const articleTokens = Math.max(
      1,
      (await count([{ role: "user", content: article.body }])) -
        (await count([{ role: "user", content: "" }])),
    );

    const earlier = prompt.slice(0, -1);

    // The whole article in one call when it fits, its translation included.
    const whole =
      articleTokens * OUTPUT_TOKENS_PER_INPUT_TOKEN <= output &&
      (await fitHistory(earlier, (history) => [...history, last], inputLimit, count));
    if (whole) {
      yield* withoutUsage(
        this.#inner.stream({ ...options, prompt: whole.prompt, maxOutputTokens: output }),
        tally,
      );
      return;
    }

    // Earlier turns may take at most half the room a part's prompt has, so the sections are not crumbs.
    const widestNote = "…".repeat(MAX_CONTINUITY_CHARACTERS);
    const base = await fitHistory(
      earlier,
      (history) => sectionPrompt(history, article, "", { index: 2, count: 2 }, widestNote),
      Math.floor(inputLimit / 2),
      count,
    );
    if (!base) throw tooSmall(window, "its instructions alone take more than half the room for a prompt");
    const { history } = base;
    const overhead = await count(base.prompt);
    const sectionTokens = Math.min(inputLimit - overhead, Math.floor(output / OUTPUT_TOKENS_PER_INPUT_TOKEN));
    const charactersPerToken = article.body.length / articleTokens;
    const maxCharacters = Math.floor(sectionTokens * charactersPerToken);
    if (maxCharacters < MIN_SECTION_CHARACTERS) {
      throw tooSmall(window, `it leaves room for sections of only ${Math.max(0, maxCharacters)} characters`);
    }

    const sections: MarkdownSection[] = splitMarkdownSections(article.body, maxCharacters);
    let written = "";
    let finishReason: FinishReason = "stop";
    let lastCandidate: string | undefined;
    for (let index = 0; index < sections.length; ) {
      if (signal?.aborted) {
        yield { type: "finish", reason: "stopped" };
        return;
      }
      const section = sections[index] as MarkdownSection;
      const part = { index: index + 1, count: sections.length };
      if (section.code) {
        // A code block too long for any call is copied as it is, as the translator would copy it.
        const delta = separatorAfter(written) + section.text;
        written += delta;
        yield { type: "text.delta", text: delta };
        index++;
        continue;
      }
      const sent = await this.#partPrompt(history, article, section.text, part, written, inputLimit);
      if (!sent) {
        // Denser text than the article's average: the section is split again, smaller.
        if (section.text.length <= MIN_SECTION_CHARACTERS) {
          throw tooSmall(window, "a short section of this article does not fit it");
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
      for await (const streamed of withoutUsage(
        this.#inner.stream({ ...options, prompt: sent, maxOutputTokens: output }),
        tally,
      )) {
        if (streamed.type === "model.start") {
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
    history: ChatPrompt,
    article: ArticleMessage,
    section: string,
    part: Part,
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

/** Passes a stream on, keeping its usage in `tally` to be sent once, summed, at the end. */
async function* withoutUsage(
  stream: AsyncIterable<ChatStreamPart>,
  tally: { usage: UsagePart | undefined },
): AsyncGenerator<Exclude<ChatStreamPart, UsagePart>> {
  for await (const part of stream) {
    if (part.type === "usage") tally.usage = tally.usage ? sumUsage(tally.usage, part) : part;
    else yield part;
  }
}

function sumUsage(a: UsagePart, b: UsagePart): UsagePart {
  const cached = (a.cachedInputTokens ?? 0) + (b.cachedInputTokens ?? 0);
  return {
    type: "usage",
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    ...((a.cachedInputTokens !== undefined || b.cachedInputTokens !== undefined) && {
      cachedInputTokens: cached,
    }),
  };
}

function articleMessageOf(content: string): ArticleMessage {
  const block = articleBlockIn(content);
  if (block) {
    return {
      body: block.body,
      // The user's note (the target language) goes with every part; Parley's note on a cut article with the last.
      message: (section, part) =>
        `${block.head}${section}${block.close}${part.index === part.count ? block.after : ""}`,
    };
  }
  const opening = content.slice(0, OPENING_CHARACTERS).trim();
  return {
    body: content,
    message: (section) => section,
    ...(content.length > OPENING_CHARACTERS && { opening: `${opening}…` }),
  };
}

/** The instructions with the part's note, the earlier turns, and the part itself as the last message. */
function sectionPrompt(
  history: ChatPrompt,
  article: ArticleMessage,
  section: string,
  part: Part,
  continuity: string,
): ChatPromptMessage[] {
  const note = part.count === 1 && part.index === 1 ? "" : partNote(part, continuity, article.opening);
  const [first, ...rest] = history;
  const withNote: ChatPromptMessage[] =
    note === ""
      ? [...history]
      : first?.role === "system"
        ? [{ ...first, content: `${first.content}\n\n${note}` }, ...rest]
        : [{ role: "system", content: note }, ...history];
  return [...withNote, { role: "user", content: article.message(section, part) }];
}

function partNote(part: Part, continuity: string, opening: string | undefined): string {
  const { index, count } = part;
  const lines = [
    `## Part ${index} of ${count}`,
    `This article is too long for one reply, so Parley sends it in ${count} parts, one per request, and joins your translations into one reply. This message holds part ${index}: translate all of it, and only it.`,
  ];
  if (index === 1) {
    lines.push(
      "Begin as your instructions say. Do not ask the user to continue and add no closing remarks: Parley sends the next part itself.",
    );
  } else {
    lines.push(
      "Do not repeat the title or the source line, and add no preamble: continue the translation where the previous part ended, in the same target language and with the same translations of terms.",
    );
    lines.push(
      index < count
        ? "Add no closing remarks: Parley sends the next part itself."
        : "This is the last part: end with a short note only if something needs the reader's attention.",
    );
    if (continuity !== "") lines.push(continuity);
    if (opening !== undefined) lines.push(`The user's message began: «${opening}»`);
  }
  return lines.join("\n");
}

/** The translated headings so far and the last words written, bounded. */
function continuityOf(written: string): string {
  if (written === "") return "";
  const headings = headingsOf(written).slice(-CONTINUITY_HEADINGS);
  const tail = written.slice(-CONTINUITY_TAIL_CHARACTERS).replace(/\s+/g, " ").trim();
  const note = [
    "The translation so far",
    headings.length > 0
      ? ` has the headings ${headings.map((heading) => `«${heading}»`).join(", ")} and`
      : "",
    ` ends with: «…${tail}»`,
  ].join("");
  return note.length <= MAX_CONTINUITY_CHARACTERS ? note : `The translation so far ends with: «…${tail}»`;
}

function headingsOf(markdown: string): string[] {
  const headings: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split("\n")) {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || (marker[0] === fence[0] && marker.length >= fence.length))) {
      fence = fence === undefined ? marker : undefined;
    } else if (fence === undefined && /^ {0,3}#{1,6}\s+\S/.test(line)) {
      headings.push(line.trim().slice(0, 100));
    }
  }
  return headings;
}

function separatorAfter(written: string): string {
  if (written === "" || written.endsWith("\n\n")) return "";
  return written.endsWith("\n") ? "\n" : "\n\n";
}

/**
 * The earlier turns, oldest left out first (never a system message), until the prompt `build` makes of them fits
 * `limit`; undefined when even none fit. A reply orphaned at the start goes too: some APIs refuse to open with one.
 */
async function fitHistory(
  earlier: ChatPrompt,
  build: (history: ChatPrompt) => ChatPrompt,
  limit: number,
  count: (prompt: ChatPrompt) => Promise<number>,
): Promise<{ history: ChatPrompt; prompt: ChatPrompt } | undefined> {
  const kept = [...earlier];
  for (;;) {
    const prompt = build(kept);
    if ((await count(prompt)) <= limit) return { history: kept, prompt };
    const oldest = kept.findIndex((message) => message.role !== "system");
    if (oldest < 0) return undefined;
    kept.splice(oldest, 1);
    if (kept[oldest]?.role === "assistant") kept.splice(oldest, 1);
  }
}

function tooSmall(window: number, why: string): AppError {
  return new AppError(
    "context_length_exceeded",
    `This article is too long to translate with a ${window}-token context window: ${why}. Choose a model with a longer context window.`,
    { status: 400 },
  );
}
