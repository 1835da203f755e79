import { beforeAll, describe, expect, it } from "vitest";
import { sendMessage } from "./support/ask-parley.js";
import type { FaultUpstream } from "./support/fault-upstream.js";
import { minimalPdf } from "./support/minimal-pdf.js";
import { type ParleyProcess, sendJson } from "./support/parley-process.js";
import { faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { textOf } from "./support/sse-client.js";
import { type FormPart, uploadKnowledge } from "./support/upload-file.js";

/**
 * Knowledge files uploaded as multipart/form-data, end to end: a real server reads text, Markdown, HTML and PDF
 * files into sentences, and a bot's replies retrieve them. The model is a fake upstream whose `echo` model repeats
 * the question, so a question that ends with "[S1]" cites the first sentence retrieved for it: the citation shows
 * the sentence and its offsets.
 */
let upstream: FaultUpstream;
let parley: ParleyProcess;

type Document = { id: string; title: string; mediaType: string; sentenceCount: number; content: string };
type Citation = { documentId: string; start: number; end: number; citedText: string; marker: string };

/** Two pages; a sentence of each is wrapped over two lines, as PDFs lay out paragraphs. */
const HANDBOOK = minimalPdf([
  [
    ["Operations handbook for the Harbor cluster."],
    ["Backups run every night at two o'clock, and each", "snapshot is kept for thirty days."],
    ["Monitoring alerts page the on-call engineer."],
  ],
  [
    ["Restores finish within fifteen minutes for", "databases under fifty gigabytes."],
    ["Replicas live in three zones."],
  ],
]);

beforeAll(async () => {
  const served = await startRemoteParley((upstream) => ({
    providers: [
      openAIProvider("remote", upstream, [faultModel("echo", "echo@knowledge", { contextWindow: 32768 })]),
    ],
  }));
  ({ parley, upstream } = served);
  return served.stop;
});

async function newBot(name: string): Promise<string> {
  const bot = await sendJson<{ id: string }>(
    parley,
    "/api/bots",
    { name, instructions: "Answer from your knowledge.", model: "echo" },
    { status: 201 },
  );
  return bot.id;
}

const upload = (botId: string, parts: FormPart[]) => uploadKnowledge(parley, botId, parts);

async function uploaded(botId: string, parts: FormPart[]): Promise<Document> {
  const response = await upload(botId, parts);
  expect(response.status, await response.clone().text()).toBe(201);
  const summary = (await response.json()) as Document;
  return parley.json<Document>(`/api/bots/${botId}/knowledge/${summary.id}`);
}

async function ask(botId: string, question: string) {
  const { events } = await sendMessage(parley, { content: question }, { botId });
  return {
    events,
    system: upstream.requests.at(-1)?.system ?? "",
    citations: events.filter((event) => event.event === "citation").map((event) => event.data as Citation),
  };
}

async function refusal(response: Response): Promise<{ status: number; code: string; message: string }> {
  const { error } = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, ...error };
}

describe("knowledge uploads", () => {
  it("reads a two-page PDF into sentences, and a question retrieves the sentence that answers it, with exact offsets", async () => {
    const botId = await newBot("Harbor operations");
    const document = await uploaded(botId, [
      { file: HANDBOOK, name: "handbook.pdf", type: "application/pdf" },
    ]);
    expect(document).toMatchObject({ title: "handbook.pdf", mediaType: "text/plain", sentenceCount: 5 });
    // Lines of a paragraph are joined back, so a sentence is not cut where the PDF wrapped it.
    expect(document.content).toBe(
      [
        "Operations handbook for the Harbor cluster.",
        "Backups run every night at two o'clock, and each snapshot is kept for thirty days.",
        "Monitoring alerts page the on-call engineer.",
        "Restores finish within fifteen minutes for databases under fifty gigabytes.",
        "Replicas live in three zones.",
      ].join("\n\n"),
    );

    const backups = await ask(botId, "When do backups run? [S1]");
    expect(backups.system).toContain(
      "[S1] Backups run every night at two o'clock, and each snapshot is kept for thirty days.",
    );
    expect(backups.system).not.toContain("Replicas");
    const [citation] = backups.citations;
    expect(citation).toMatchObject({
      documentId: document.id,
      citedText: "Backups run every night at two o'clock, and each snapshot is kept for thirty days.",
      marker: "S1",
    });
    expect(document.content.slice(citation?.start, citation?.end)).toBe(citation?.citedText);

    // A sentence of the second page, also wrapped over two lines.
    const restores = await ask(botId, "How quickly do restores finish? [S1]");
    const sentence = "Restores finish within fifteen minutes for databases under fifty gigabytes.";
    expect(restores.citations).toEqual([
      expect.objectContaining({
        citedText: sentence,
        start: document.content.indexOf(sentence),
        end: document.content.indexOf(sentence) + sentence.length,
      }),
    ]);
    expect(textOf(restores.events)).toBe("How quickly do restores finish? [S1]");
  });

  it("reads a Markdown file as it is, with a title field sent after the file", async () => {
    const botId = await newBot("Deploys");
    const markdown =
      "# Deploying\n\nDeploys go out from the `main` branch.\n\n- Canaries take ten percent of traffic first.";
    const document = await uploaded(botId, [
      { file: markdown, name: "deploying.md", type: "application/octet-stream" },
      { field: "title", value: "Deploy guide" },
    ]);
    expect(document).toMatchObject({ title: "Deploy guide", mediaType: "text/markdown", content: markdown });
    const { citations } = await ask(botId, "Which canaries traffic? [S1]");
    expect(citations[0]?.citedText).toBe("- Canaries take ten percent of traffic first.");
  });

  it("reads an HTML page as the Markdown of its article, without the page's navigation and footer", async () => {
    const botId = await newBot("Web docs");
    const prose =
      "Tokens expire after one hour, and a refresh token issues a new one without asking the user again. ";
    const html = `<!doctype html><html><head><title>Auth | Docs</title></head><body>
      <nav><a href="/">Home</a> <a href="/pricing">Pricing</a></nav>
      <main><article><h1>Authentication</h1><p>${prose.repeat(3)}</p>
      <h2>Scopes</h2><p>Scopes limit what a token may do: <code>read</code> and <code>write</code>. ${prose}</p>
      <pre><code class="language-sh">curl -H "Authorization: Bearer $TOKEN" https://api.example/v1/me</code></pre>
      </article></main><footer>Copyright Example Inc.</footer></body></html>`;
    const document = await uploaded(botId, [{ file: html, name: "auth.html", type: "text/html" }]);
    expect(document).toMatchObject({ title: "auth.html", mediaType: "text/markdown" });
    expect(document.content.startsWith("# Authentication\n\nTokens expire after one hour")).toBe(true);
    expect(document.content).toContain("## Scopes");
    expect(document.content).toContain(
      '```sh\ncurl -H "Authorization: Bearer $TOKEN" https://api.example/v1/me\n```',
    );
    expect(document.content).not.toMatch(/Pricing|Copyright/);
    const { citations } = await ask(botId, "What do they limit? [S1]");
    expect(citations[0]?.citedText).toBe("Scopes limit what a token may do: `read` and `write`.");
  });

  it("refuses what it cannot read, each with a clear 4xx naming the problem, and stores nothing", async () => {
    const botId = await newBot("Picky");
    const cases: [FormPart[], number, string, RegExp][] = [
      [
        [{ file: "just text", name: "fake.pdf", type: "application/pdf" }],
        400,
        "invalid_pdf",
        /fake\.pdf is not a PDF/,
      ],
      [
        [{ file: "%PDF-1.4\nnot really", name: "broken.pdf" }],
        400,
        "invalid_pdf",
        /broken\.pdf is not a readable PDF/,
      ],
      [[{ file: minimalPdf([[], []]), name: "scan.pdf" }], 400, "empty_document", /no text layer/],
      [
        [{ file: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]), name: "photo.png" }],
        415,
        "unsupported_file_type",
        /PNG image/,
      ],
      [[{ file: "PK\u0003\u0004 zipped", name: "report.docx" }], 415, "unsupported_file_type", /ZIP archive/],
      [[{ file: "MZ binary", name: "tool.exe" }], 415, "unsupported_file_type", /cannot read \.exe files/],
      [
        [{ file: new Uint8Array([0x61, 0xff, 0xfe, 0x00]), name: "notes.txt" }],
        415,
        "unsupported_file_type",
        /not UTF-8/,
      ],
      [[{ file: "", name: "empty.txt" }], 400, "empty_document", /empty\.txt is empty/],
      [[{ field: "title", value: "No file" }], 400, "missing_file", /has no file/],
      [
        [
          { file: "one", name: "a.txt" },
          { file: "two", name: "b.txt" },
        ],
        400,
        "too_many_files",
        /one file per upload/,
      ],
      [
        [
          { file: "text", name: "a.txt" },
          { field: "color", value: "red" },
        ],
        400,
        "invalid_request",
        /Unknown form field "color"/,
      ],
    ];
    for (const [parts, status, code, message] of cases) {
      const refused = await refusal(await upload(botId, parts));
      expect(
        refused,
        JSON.stringify(parts.map((part) => ("name" in part ? part.name : part.field))),
      ).toMatchObject({
        status,
        code,
      });
      expect(refused.message).toMatch(message);
    }
    const { documents } = await parley.json<{ documents: unknown[] }>(`/api/bots/${botId}/knowledge`);
    expect(documents).toEqual([]);
  });

  it("refuses a file over 20 MB with 413, and takes the next upload on the same server", async () => {
    const botId = await newBot("Big files");
    const huge = new Uint8Array(20 * 1024 * 1024 + 1).fill(0x61);
    const refused = await refusal(
      await upload(botId, [{ file: huge, name: "huge.txt", type: "text/plain" }]),
    );
    expect(refused).toMatchObject({ status: 413, code: "file_too_large" });
    expect(refused.message).toMatch(/huge\.txt is larger than 20 MB/);
    const document = await uploaded(botId, [{ file: "Small files still work.", name: "small.txt" }]);
    expect(document).toMatchObject({ mediaType: "text/plain", sentenceCount: 1 });
  });
});
