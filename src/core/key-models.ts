/**
 * The models an API key may use: a key handed to a script or a tool can be held to some of the server's models
 * (only the cheap one, say). Null or absent: every model, as for a session.
 */
import { AppError } from "./app-error.js";

/** The model a key may not use; names the models it may. */
export class ModelNotAllowedError extends AppError {
  constructor(model: string, allowed: readonly string[], reason?: string) {
    super(
      "model_not_allowed",
      `${reason ?? `This API key may not use the model ${JSON.stringify(model)}`}. It may use only: ${allowed
        .map((id) => JSON.stringify(id))
        .join(", ")}. Send one of them, or use a key made for more models.`,
      { status: 403, details: { model, allowedModels: [...allowed] } },
    );
  }
}

/** Throws ModelNotAllowedError unless the key's models (null or absent: all) include `model`. */
export function assertKeyMayUse(models: readonly string[] | null | undefined, model: string): void {
  if (models != null && !models.includes(model)) throw new ModelNotAllowedError(model, models);
}

/** Whether a key limited to `models` (null or absent: all) may use `model`. */
export function keyMayUse(models: readonly string[] | null | undefined, model: string): boolean {
  return models == null || models.includes(model);
}
