/**
 * Checks the models a new API key is to be held to: each must be a model this server serves to the key's user
 * (a chat model, `auto`, one of their bots as `bot:<slug>`, an embedding model), so that a typo is refused when the
 * key is made rather than found by the script that uses it.
 */
import { BadRequestError } from "../../core/app-error.js";
import { slugOfBotModel } from "../../core/bot.js";
import { canUseBot } from "../../core/bot-access.js";
import type { ParleyStore } from "../../core/parley-store.js";
import type { Principal } from "../../core/principal.js";
import { type ServedModelsConfig, servedModels } from "../compatible/served-models.js";

export async function checkedKeyModels(
  models: readonly string[],
  config: ServedModelsConfig & { store: ParleyStore },
  principal: Principal,
): Promise<string[]> {
  const served = (await servedModels(config, principal)).map((model) => model.id);
  for (const model of models) {
    if (served.includes(model)) continue;
    // A bot shared by link is not listed, yet its slug names it for anyone who has it.
    const slug = slugOfBotModel(model);
    const bot = slug === undefined ? undefined : await config.store.bots.getBySlug(slug);
    if (bot && canUseBot(bot, principal.userId)) continue;
    throw new BadRequestError(
      `Invalid request body: \`models\`: this server serves no model ${JSON.stringify(model)}. Models it serves: ${served
        .map((id) => JSON.stringify(id))
        .join(", ")}.`,
      { code: "invalid_request", details: { model, servedModels: served } },
    );
  }
  return [...new Set(models)];
}
