import { describe, expect, it } from "vitest";
import type { Message } from "./message.js";
import { childrenOf, threadTo } from "./message-thread.js";
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
