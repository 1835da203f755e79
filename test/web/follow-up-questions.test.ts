// The follow-up questions a Topic explorer reply ends with: split from the reply at the marker the bot's
// instructions ask for, complete questions only while the reply streams.
import { describe, expect, it } from "vitest";
import { FOLLOW_UP_MARKER as SERVER_MARKER } from "../../src/bots/built-in/topic-explorer.js";
import { FOLLOW_UP_MARKER, splitFollowUps } from "../../web/src/chat/follow-up-questions.js";

const REPLY = [
  "## Overview",
  "Kubernetes runs containers.",
  "",
  "### Explore further",
  FOLLOW_UP_MARKER,
  "- What is a pod?",
  "* How do I deploy an app?",
  "3. **How does it relate to Docker?**",
].join("\n");

describe("follow-up questions", () => {
  it("looks for the marker the Topic explorer's instructions ask the model for", () => {
    expect(FOLLOW_UP_MARKER).toBe(SERVER_MARKER);
  });

  it("splits a finished reply into its text and its questions", () => {
    expect(splitFollowUps(REPLY, false)).toEqual({
      body: "## Overview\nKubernetes runs containers.\n\n### Explore further",
      questions: ["What is a pod?", "How do I deploy an app?", "How does it relate to Docker?"],
    });
  });

  it("leaves a reply without the marker as it is", () => {
    expect(splitFollowUps("Just text.\n- a list", false)).toEqual({
      body: "Just text.\n- a list",
      questions: [],
    });
  });

  it("while streaming, hides a half-written marker and a question whose line is not complete", () => {
    expect(splitFollowUps("Text\n<!-- follow-u", true)).toEqual({ body: "Text\n", questions: [] });
    expect(splitFollowUps(`Text\n${FOLLOW_UP_MARKER}\n- What is a pod?\n- How do`, true)).toEqual({
      body: "Text",
      questions: ["What is a pod?"],
    });
    // A comment that is not the marker is the reply's own text.
    expect(splitFollowUps("Text <!-- note", true).body).toBe("Text <!-- note");
  });
});
