/**
 * Checks the models a new API key is to be held to: each must be a model this server serves to the key's user
 * (a chat model, `auto`, one of their bots as `bot:<slug>`, an embedding model), so that a typo is refused when the
 * key is made rather than found by the script that uses it.
 */
import { BadRequestError } from "../../core/app-error.js";
import type { ParleyStore } from "../../core/parley-store.js";
import type { Principal } from "../../core/principal.js";
import { type ServedModelsConfig, servedModels, servesModel } from "../compatible/served-models.js";

export async function checkedKeyModels(
  models: readonly string[],
  config: ServedModelsConfig & { store: ParleyStore },
  principal: Principal,
): Promise<string[]> {
  for (const model of models) {
    if (await servesModel(config, principal, model)) continue;
    const served = (await servedModels(config, principal)).map((listed) => listed.id);
    throw new BadRequestError(
      `Invalid request body: \`models\`: this server serves no model ${JSON.stringify(model)}. Models it serves: ${served
        .map((id) => JSON.stringify(id))
        .join(", ")}.`,
      { code: "invalid_request", details: { model, servedModels: served } },
    );
  }
  return [...new Set(models)];
}
