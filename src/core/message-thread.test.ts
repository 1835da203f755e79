import { describe, expect, it } from "vitest";
import type { Message } from "./message.js";
import { childrenOf, exchangeToDelete, threadTo } from "./message-thread.js";
import { newMessage } from "./new-message.js";

function message(id: string, parentId: string | null): Message {
  return { ...newMessage("conv", parentId, "user", id, 0), id };
}

// root -> a -> (b1 | b2 -> c)
const tree = [
  message("root", null),
  message("a", "root"),
  message("b1", "a"),
  message("b2", "a"),
  message("c", "b2"),
];

describe("threadTo", () => {
  it("returns the branch from the root down to the message, oldest first", () => {
    expect(threadTo(tree, "c").map((m) => m.id)).toEqual(["root", "a", "b2", "c"]);
    expect(threadTo(tree, "b1").map((m) => m.id)).toEqual(["root", "a", "b1"]);
  });

  it("returns nothing for an unknown id and stops on a cycle instead of looping forever", () => {
    expect(threadTo(tree, "zzz")).toEqual([]);
    expect(threadTo([message("x", "y"), message("y", "x")], "x").map((m) => m.id)).toEqual(["y", "x"]);
  });
});

describe("childrenOf", () => {
  it("lists siblings in the order they were written", () => {
    const children = childrenOf(tree);
    expect(children.get("a")).toEqual(["b1", "b2"]);
    expect(children.get("c")).toBeUndefined();
  });
});

describe("exchangeToDelete", () => {
  const turn = (id: string, parentId: string | null, role: Message["role"], runId: string | null = null) => ({
    ...message(id, parentId),
    role,
    runId,
  });
  // system -> u1 -> r1 (a run's reply) -> u2 -> (r2 | r2b, regenerated) ; r1 -> tool-less assistant turn sent by a client
  const conversation = [
    turn("system", null, "system"),
    turn("u1", "system", "user"),
    turn("r1", "u1", "assistant", "run_1"),
    turn("u2", "r1", "user"),
    turn("r2", "u2", "assistant", "run_2"),
    turn("r2b", "u2", "assistant", "run_3"),
    turn("sent", "r1", "assistant"),
    turn("u3", "sent", "user"),
    turn("r3", "u3", "assistant", "run_4"),
  ];

  it("takes the reply and the exchange above it back to the reply before, a client's own assistant turn included", () => {
    expect(exchangeToDelete(conversation, "r3")).toEqual(["r3", "u3", "sent"]);
  });

  it("keeps a message another branch goes on from, and everything above it", () => {
    expect(exchangeToDelete(conversation, "r2")).toEqual(["r2"]);
  });

  it("goes up to the root for a conversation's first exchange, and refuses a reply that later turns follow", () => {
    const first = conversation.slice(0, 3);
    expect(exchangeToDelete(first, "r1")).toEqual(["r1", "u1", "system"]);
    expect(exchangeToDelete(conversation, "r1")).toBeUndefined();
  });
});
