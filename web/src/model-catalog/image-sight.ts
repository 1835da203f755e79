/**
 * Whether the model a message goes to can see its images, told before sending: the server would refuse the
 * message (400 model_cannot_see_images) when a text-only model is named, and `auto` sends images only to a model
 * whose listing has the `image` modality.
 */
import type { ModelListing } from "../api/model-listing.js";
import { AUTO_MODEL } from "./use-model-choice.js";

export type ImageSight =
  /** The model sees images, `auto` has one to send them to, or the catalog does not say (the server decides). */
  | { kind: "sees" }
  /** The named model reads text only; `seeing` are the models that could take the images instead. */
  | { kind: "blind"; model: ModelListing; seeing: readonly ModelListing[] }
  /** No model of the server sees images. */
  | { kind: "none" };

export function seesImages(model: ModelListing): boolean {
  return model.modalities.includes("image");
}

/** `requested` is a model id or "auto", as a message names it. */
export function imageSight(requested: string, models: readonly ModelListing[]): ImageSight {
  if (models.length === 0) return { kind: "sees" };
  const seeing = models.filter(seesImages);
  if (requested === AUTO_MODEL) return seeing.length > 0 ? { kind: "sees" } : { kind: "none" };
  const model = models.find((candidate) => candidate.id === requested);
  if (!model || seesImages(model)) return { kind: "sees" };
  return seeing.length > 0 ? { kind: "blind", model, seeing } : { kind: "none" };
}
