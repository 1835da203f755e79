/**
 * Every model id a caller may name on this server: `auto`, the catalog's chat models, the caller's bots as
 * `bot:<slug>`, and the embedding models. What GET /v1/models lists, and what an API key may be held to.
 */
import type { BotService } from "../../bots/bot-service.js";
import { botModelName, slugOfBotModel } from "../../core/bot.js";
import { canUseBot } from "../../core/bot-access.js";
import type { ParleyStore } from "../../core/parley-store.js";
import type { Principal } from "../../core/principal.js";
import type { EmbeddingCatalog } from "../../runs/embedding-catalog.js";
import type { ModelCatalog } from "../../runs/model-catalog.js";

export type ServedModel = { id: string; label: string; provider: string };

export type ServedModelsConfig = { catalog: ModelCatalog; embeddings: EmbeddingCatalog; bots: BotService };

export async function servedModels(config: ServedModelsConfig, principal: Principal): Promise<ServedModel[]> {
  // Bots answer as `bot:<slug>`: the caller's own and those shared with everyone (not `link` ones: unlisted).
  const bots = (await config.bots.list(principal))
    .filter((bot) => canUseBot(bot, principal.userId))
    .map((bot) => ({ id: botModelName(bot.slug), label: bot.name, provider: "parley-bot" }));
  // `auto` lets Parley pick the cheapest model that fits each request.
  return [
    { id: "auto", label: "Auto (Parley chooses)", provider: "parley" },
    ...config.catalog.list().map(({ id, label, provider }) => ({ id, label, provider })),
    ...bots,
    // For /v1/embeddings only.
    ...config.embeddings.list().map((model) => ({ ...model, provider: "parley-embedding" })),
  ];
}

/**
 * Whether the caller may name `model` here: one that servedModels lists, or a bot shared with them by link (not
 * listed, yet its slug names it for anyone who has it). Looks up that one model rather than listing them all.
 */
export async function servesModel(
  config: ServedModelsConfig & { store: ParleyStore },
  principal: Principal,
  model: string,
): Promise<boolean> {
  if (model === "auto" || config.catalog.has(model)) return true;
  if (config.embeddings.list().some((embedding) => embedding.id === model)) return true;
  const slug = slugOfBotModel(model);
  const bot = slug === undefined ? undefined : await config.store.bots.getBySlug(slug);
  return bot !== undefined && canUseBot(bot, principal.userId);
}
