// Which model the web app expects to answer when the user leaves the choice to `auto`: the server's routing policy
// for a short prompt, restated, so that the picker names the model that will reply.
import { describe, expect, it } from "vitest";
import type { ModelListing } from "../../web/src/api/model-listing.js";
import { AUTO_MODEL, answeringModel } from "../../web/src/model-catalog/use-model-choice.js";
import { modelListing as listing } from "./model-listing-fixture.js";

const cheap = (extra: Partial<ModelListing>) =>
  listing("cheap", { pricing: { inputPerMillion: 0.1, outputPerMillion: 0.2 }, ...extra });
const dear = listing("dear", { pricing: { inputPerMillion: 5, outputPerMillion: 10 } });

describe("answeringModel for auto", () => {
  it("expects the cheapest model of the lowest tier that can answer now", () => {
    expect(answeringModel(AUTO_MODEL, [dear, cheap({})])?.id).toBe("cheap");
  });

  it("passes over a degraded model for an available one, as the server does", () => {
    const degraded = cheap({ availability: "degraded", circuits: { closed: 1, halfOpen: 0, open: 1 } });
    expect(answeringModel(AUTO_MODEL, [dear, degraded])?.id).toBe("dear");
  });

  it("expects a model awaiting its trial call where its price puts it, since auto sends it that call", () => {
    const recovering = cheap({
      availability: "degraded",
      circuits: { closed: 0, halfOpen: 0, open: 1 },
      awaitingTrial: true,
    });
    expect(answeringModel(AUTO_MODEL, [dear, recovering])?.id).toBe("cheap");
  });

  it("names the chosen model when the user picked one", () => {
    expect(answeringModel("dear", [dear, cheap({})])?.id).toBe("dear");
  });
});
