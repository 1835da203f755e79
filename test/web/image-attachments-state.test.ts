// The pure parts of image attachments: whether the model a message goes to can see its images, and a refused
// message (text and images) going back to the composer.
import { describe, expect, it } from "vitest";
import {
  chatSessionReducer,
  initialChatSession,
  temporaryMessage,
} from "../../web/src/chat/chat-session-state.js";
import { imageSight } from "../../web/src/model-catalog/image-sight.js";
import { modelListing } from "./model-listing-fixture.js";

const model = (id: string, modalities: string[]) => modelListing(id, { tier: "balanced", modalities });

const vision = model("vision", ["text", "image"]);
const reader = model("reader", ["text"]);
const image = { id: "file_1", name: "blue.png", mediaType: "image/png", bytes: 120, width: 4, height: 3 };

describe("whether a message's images can be seen", () => {
  it("is fine for a model with the image modality, and for auto when some model has it", () => {
    expect(imageSight("vision", [vision, reader])).toEqual({ kind: "sees" });
    expect(imageSight("auto", [vision, reader])).toEqual({ kind: "sees" });
  });

  it("names a text-only model and the models that could see the images instead", () => {
    expect(imageSight("reader", [vision, reader])).toEqual({
      kind: "blind",
      model: reader,
      seeing: [vision],
    });
  });

  it("says no model sees images when none has the modality, whether one is named or auto chooses", () => {
    expect(imageSight("reader", [reader])).toEqual({ kind: "none" });
    expect(imageSight("auto", [reader])).toEqual({ kind: "none" });
  });

  it("says nothing before the models are known, or for a model the listing does not have (the server decides)", () => {
    expect(imageSight("reader", [])).toEqual({ kind: "sees" });
    expect(imageSight("gone", [vision, reader])).toEqual({ kind: "sees" });
  });
});

describe("a message the server refused to start", () => {
  it("leaves the thread and goes back to the composer with its images, once", () => {
    const user = temporaryMessage("user", null, "what is this?", null, [image]);
    const assistant = temporaryMessage("assistant", user.id, "", null);
    let state = chatSessionReducer(initialChatSession("conv"), { type: "runQueued", user, assistant });
    expect(state.tree.messages[user.id]?.attachments).toEqual([image]);

    state = chatSessionReducer(state, {
      type: "runNotStarted",
      temporaryUserId: user.id,
      temporaryAssistantId: assistant.id,
      unsent: { content: "what is this?", attachments: [image] },
    });
    expect(state.tree.rootIds).toEqual([]);
    expect(state.unsent).toEqual({ content: "what is this?", attachments: [image], temporaryId: user.id });

    state = chatSessionReducer(state, { type: "unsentTaken" });
    expect(state.unsent).toBeNull();
  });

  it("gives nothing back for an edit or a regenerate, whose text is not the composer's", () => {
    const user = temporaryMessage("user", null, "edited", null, [image]);
    const assistant = temporaryMessage("assistant", user.id, "", null);
    let state = chatSessionReducer(initialChatSession("conv"), { type: "runQueued", user, assistant });
    state = chatSessionReducer(state, {
      type: "runNotStarted",
      temporaryUserId: user.id,
      temporaryAssistantId: assistant.id,
      unsent: null,
    });
    expect(state.unsent).toBeNull();
  });
});
