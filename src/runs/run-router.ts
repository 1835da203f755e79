/**
 * Picks the model of a run (the one asked for, or by policy for `auto` or a tier) and fits the prompt into its
 * context window, leaving out the oldest turns if it must; a prompt that cannot fit is refused here, before
 * anything is sent, rather than failing upstream.
 *
 * A key held to some models is refused any other here, before anything is counted or sent; its `auto` chooses
 * among its models only. A fallback the admin configured for a model stays allowed: the key asked for that model.
 * A model the server does not have gets the same error whatever the key, and the models a refusal suggests instead
 * are the key's.
 *
 * Images need a model that reads them: without a model asked for, the policy picks the cheapest that does; a
 * model asked for that cannot is refused when the new message has images, and is sent the conversation's earlier
 * images as a note that they were there.
 */
import type { BotTurn } from "../bots/bot-replies.js";
import { BadRequestError, ModelUnavailableError } from "../core/app-error.js";
import { assertKeyMayUse, keyMayUse, ModelNotAllowedError } from "../core/key-models.js";
import { chooseModel, type Tier } from "../core/routing-policy.js";
import { hasImages, withoutImages } from "../files/prompt-images.js";
import type { ChatPrompt } from "../providers/chat-model.js";
import { countedPrompt } from "./counted-prompt.js";
import { fitPrompt } from "./fit-prompt.js";
import {
  type CatalogEntry,
  type ModelCatalog,
  type ModelInfo,
  NO_MODEL_HINT,
  thinks,
} from "./model-catalog.js";
import type { RunCallOptions, RunPlan } from "./run-plan.js";
import type { TokenCounter } from "./token-counter.js";
import { withoutToolTurns } from "./without-tool-turns.js";

export type RunRouterConfig = {
  catalog: ModelCatalog;
  tokens: TokenCounter;
  /** The most a reply may take of the window when the request does not say. */
  maxOutputTokens: number;
};

/** The run's model, its prompt as fitted, and its call settings as that model takes them. */
export type RoutedRun = Pick<RunPlan, "entry" | "prompt" | "routing" | "context" | "call">;

/** The wait suggested for a model that is not ready (an engine loading, restarting): it has no breaker to ask. */
const NOT_READY_RETRY_SECONDS = 5;

export class RunRouter {
  readonly #config: RunRouterConfig;

  constructor(config: RunRouterConfig) {
    this.#config = config;
  }

  async route(
    requested: { model?: string; tier?: Tier },
    prompt: ChatPrompt,
    call: RunCallOptions,
    sectioned?: BotTurn["sectioned"],
    /** With an API key held to some models: the model ids it may use (`auto` among them to ask for it). */
    allowed?: readonly string[],
    /**
     * The models a refusal may suggest: the key's, even where they do not bound the choice (a bot the key may use
     * answers with its own model, whatever the key's list).
     */
    offered: readonly string[] | undefined = allowed,
  ): Promise<RoutedRun> {
    const { catalog, tokens } = this.#config;
    const needsJson = call.responseFormat !== undefined;
    const offersTools = (call.tools?.length ?? 0) > 0;
    // With tool_choice none the tools are only there to read the earlier calls by: any model can answer.
    const needsTools = offersTools && call.toolChoice !== "none";
    if (sectioned) {
      if (offersTools) {
        throw new BadRequestError(
          "This bot answers a long article section by section, so it cannot call tools on the way. Send the request without tools, or a shorter article.",
          { code: "tool_calls_not_possible" },
        );
      }
      if (needsJson) {
        throw new BadRequestError(
          "This bot answers a long article section by section, so its reply cannot be one JSON document. Send the request without response_format, or a shorter article.",
          { code: "json_reply_not_possible" },
        );
      }
      // A long article is routed by one section's prompt, then answered section by section (bots/).
      const routed = await this.route(requested, sectioned.routingPrompt, call, undefined, allowed, offered);
      const { entry } = routed;
      const budget = {
        contextWindow: entry.info.contextWindow,
        countTokens: (p: ChatPrompt) => tokens.count(entry, p),
      };
      return { ...routed, entry: { ...entry, chatModel: sectioned.wrap(entry.chatModel, budget) }, prompt };
    }
    const reserveFor = (window: number) =>
      call.maxOutputTokens ?? Math.min(this.#config.maxOutputTokens, Math.floor(window / 4));
    const needsImage = hasImages(prompt);
    const auto =
      requested.model === "auto" ||
      (requested.model === undefined &&
        (requested.tier !== undefined || needsImage || needsJson || needsTools));
    let entry: CatalogEntry;
    let routing: RunPlan["routing"];
    /** The whole prompt's tokens for the model chosen, when choosing it counted them. */
    let promptTokens: number | undefined;
    // A model the catalog does not have is left to resolve's error, which every caller gets alike.
    if (requested.model === "auto" || (requested.model !== undefined && catalog.has(requested.model))) {
      assertKeyMayUse(allowed, requested.model);
    }
    if (auto) {
      const served = catalog.list();
      if (served.length === 0) throw new ModelUnavailableError(NO_MODEL_HINT);
      // A key held to some models has `auto` choose among those only; a fallback for a trial is one of them too.
      // Asked to think, it chooses among the models that can: the policy knows nothing of thinking.
      const listed = served.filter(
        (model) => keyMayUse(allowed, model.id) && (!call.thinking || thinks(model)),
      );
      if (call.thinking && !served.some(thinks)) {
        throw new BadRequestError(
          "No model of this server can think before it answers (Anthropic's models can); send the request without thinking.",
          { code: "thinking_not_possible" },
        );
      }
      if (allowed && listed.length === 0) {
        throw new ModelNotAllowedError(
          requested.model ?? "auto",
          allowed,
          "None of the chat models this API key may use is one `auto` can choose",
        );
      }
      const candidates = await Promise.all(
        listed.map(async (model) => ({
          // With its live availability: the policy passes over a model whose breakers are open or engine is down.
          ...model,
          // A model that cannot see the images is out anyway; its tokenizer is not sent them.
          promptTokens:
            needsImage && !model.modalities.includes("image")
              ? 0
              : await tokens.count(
                  catalog.entry(model.id) as CatalogEntry,
                  countedPrompt(prompt, model.toolCalls ? call.tools : undefined),
                ),
        })),
      );
      const decision = chooseModel(candidates, {
        reserveTokens: Math.min(...candidates.map((candidate) => reserveFor(candidate.contextWindow))),
        needsImage,
        needsJson,
        needsTools,
        ...(requested.tier && { minimumTier: requested.tier }),
      });
      if (decision.modelId === null) {
        // Models that fit but cannot answer now: the request is fine and only needs to wait, so a 503 rather
        // than a request doomed to fail upstream (or a 400 telling the user to change what was right).
        if (decision.unavailable.length > 0) {
          throw new ModelUnavailableError(
            `No model can take this request right now: ${decision.reason}, its upstream failing or its engine not ready. Try again in a little while.`,
            {
              details: {
                models: decision.unavailable,
                retryAfterSeconds: this.#retryAfterSeconds(decision.unavailable),
              },
            },
          );
        }
        throw new BadRequestError(`No model can take this request: ${decision.reason}.`, {
          code: "no_model_fits",
        });
      }
      entry = catalog.resolve(decision.modelId);
      promptTokens = candidates.find((candidate) => candidate.id === decision.modelId)?.promptTokens;
      // A trial call goes on to the model that would answer otherwise if the model is still failing.
      const backed = decision.fallbackId && entry.withFallback?.(decision.fallbackId);
      if (backed) entry = { ...entry, chatModel: backed };
      routing = { requested: requested.tier ? `tier:${requested.tier}` : "auto", reason: decision.reason };
    } else {
      entry = catalog.resolve(requested.model, allowed);
      // No model named: the server's default, which a key held to other models may not use.
      if (allowed && !keyMayUse(allowed, entry.info.id)) {
        throw new ModelNotAllowedError(
          entry.info.id,
          allowed,
          `The request names no model, and this API key may not use the server's default ${JSON.stringify(entry.info.id)}`,
        );
      }
      if (needsJson && !entry.info.structuredOutputs) throw this.#cannotAnswerInJson(entry, offered);
      if (needsTools && !entry.info.toolCalls) throw this.#cannotCallTools(entry, offered);
      if (call.thinking && !thinks(entry.info)) throw this.#cannotThink(entry, offered);
    }
    // A model is sent tools only if it calls them; otherwise earlier calls and results reach it as text.
    const withTools = offersTools && entry.info.toolCalls;
    let sent = withTools ? prompt : withoutToolTurns(prompt);
    const sentCall = withTools || !offersTools ? call : withoutTools(call);
    if (needsImage && !entry.info.modalities.includes("image")) {
      if (hasImages(prompt.slice(-1))) throw this.#cannotSeeImages(entry, offered);
      sent = withoutImages(sent);
    }

    const window = entry.info.contextWindow;
    const fitted = await fitPrompt(
      sent,
      window - reserveFor(window),
      (candidate) => tokens.count(entry, countedPrompt(candidate, sentCall.tools)),
      sent === prompt ? promptTokens : undefined,
    );
    if (!fitted) {
      const longer = catalog
        .list()
        .filter(
          (model) =>
            model.contextWindow > window &&
            model.availability !== "unavailable" &&
            keyMayUse(offered, model.id),
        )
        .map((model) => `${model.id} (${model.contextWindow} tokens)`);
      throw new BadRequestError(
        `This message is too long for ${entry.info.id}: with the system prompt it does not fit the ${window}-token context window, leaving room for the reply. Shorten it${longer.length > 0 ? `, or choose a model with a longer context: ${longer.join(", ")}` : ""}.`,
        { code: "context_length_exceeded" },
      );
    }
    return {
      entry,
      prompt: fitted.prompt,
      call: sentCall,
      ...(routing && { routing }),
      context: { promptTokens: fitted.promptTokens, trimmedMessages: fitted.trimmedMessages },
    };
  }

  /** When the soonest of the unavailable models takes a call again: its breaker's trial, or a short wait. */
  #retryAfterSeconds(modelIds: readonly string[]): number {
    const waits = modelIds.map((id) => {
      const entry = this.#config.catalog.entry(id);
      if (entry?.status().state !== "ready") return NOT_READY_RETRY_SECONDS * 1000;
      return entry.msUntilTrial?.() ?? NOT_READY_RETRY_SECONDS * 1000;
    });
    return Math.max(1, Math.ceil(Math.min(...waits) / 1000));
  }

  #cannotAnswerInJson(entry: CatalogEntry, offered: readonly string[] | undefined): BadRequestError {
    return this.#cannot(entry, offered, (model) => model.structuredOutputs, {
      what: "cannot be held to JSON replies, and this request asks for one (response_format)",
      does: "can",
      instead: "send the request without response_format and ask for JSON in the prompt",
      code: "model_cannot_answer_json",
    });
  }

  #cannotCallTools(entry: CatalogEntry, offered: readonly string[] | undefined): BadRequestError {
    return this.#cannot(entry, offered, (model) => model.toolCalls, {
      what: "cannot call tools, and this request offers some (tools)",
      does: "can",
      instead: "send the request without tools",
      code: "model_cannot_call_tools",
    });
  }

  #cannotThink(entry: CatalogEntry, offered: readonly string[] | undefined): BadRequestError {
    return this.#cannot(entry, offered, thinks, {
      what: "cannot think before it answers, and this request asks it to (thinking)",
      does: "can (Anthropic's models)",
      instead: "send the request without thinking",
      code: "thinking_not_possible",
    });
  }

  #cannotSeeImages(entry: CatalogEntry, offered: readonly string[] | undefined): BadRequestError {
    return this.#cannot(entry, offered, (model) => model.modalities.includes("image"), {
      what: "cannot see images, and this message has some",
      does: "reads images",
      instead: "send the message without them",
      code: "model_cannot_see_images",
    });
  }

  /**
   * The model named cannot do what the request needs: the 400 says which models can, or what to send instead. With a
   * key held to some models, it names only those (a model the key may not use would only be refused next).
   */
  #cannot(
    entry: CatalogEntry,
    offered: readonly string[] | undefined,
    can: (model: ModelInfo) => boolean,
    says: { what: string; does: string; instead: string; code: string },
  ): BadRequestError {
    const able = this.#config.catalog
      .list()
      .filter(can)
      .map((model) => model.id);
    const suggested = able.filter((id) => keyMayUse(offered, id)).map((id) => JSON.stringify(id));
    const auto = keyMayUse(offered, "auto") ? `; or send "model": "auto" to let Parley choose one` : "";
    return new BadRequestError(
      `Model ${JSON.stringify(entry.info.id)} ${says.what}. ${
        suggested.length > 0
          ? `Models that can: ${suggested.join(", ")}${auto}.`
          : able.length > 0
            ? `No model this API key may use ${says.does}; ${says.instead}, or use a key made for more models.`
            : `No model of this server ${says.does}; ${says.instead}.`
      }`,
      { code: says.code, details: { model: entry.info.id } },
    );
  }
}

function withoutTools(call: RunCallOptions): RunCallOptions {
  const { tools: _tools, toolChoice: _choice, parallelToolCalls: _parallel, ...rest } = call;
  return rest;
}
