/** Publishes a benchmark's outcome: the console table, bench/results/<name>.json and its section of RESULTS.md. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describeMachine, type MachineDescription, machineSummary } from "./machine-description.js";

export type BenchmarkReport = {
  /** The name `npm run bench -- <name>` takes; also the JSON file's name. */
  name: string;
  title: string;
  /** The one figure to remember, in a sentence. */
  headline: string;
  /** Markdown tables, already rendered. */
  tables: string[];
  /** How it was measured and what to read into it, one bullet each. */
  notes: string[];
  /** Everything measured, for the JSON file. */
  data: Record<string, unknown>;
};

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const RESULTS_FILE = path.join(BENCH_DIR, "RESULTS.md");
const RESULTS_PREAMBLE = [
  "# Benchmark results",
  "",
  "Written by `npm run bench -- <name>` (or `all`); each section is replaced when its benchmark runs again.",
  "Parley measures speed as ratios against a baseline measured in the same run, interleaved, because these",
  "2-core machines are shared and noisy (see the design note benchmarks.md); the load average at the start",
  "of each run is printed with the machine. Raw samples of the latest run are in `bench/results/<name>.json`",
  "(not committed).",
  "",
].join("\n");

export function writeBenchmarkReport(
  report: BenchmarkReport,
  machine: MachineDescription = describeMachine(),
) {
  const date = new Date().toISOString();
  const section = renderSection(report, date, machine);
  process.stdout.write(`\n${section}\n`);

  const resultsDir = path.join(BENCH_DIR, "results");
  mkdirSync(resultsDir, { recursive: true });
  const jsonFile = path.join(resultsDir, `${report.name}.json`);
  writeFileSync(
    jsonFile,
    `${JSON.stringify({ name: report.name, title: report.title, date, machine, headline: report.headline, ...report.data }, null, 2)}\n`,
  );
  writeFileSync(RESULTS_FILE, replaceSection(readResults(), report.name, section));
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), jsonFile)} and bench/RESULTS.md\n`);
}

function renderSection(report: BenchmarkReport, date: string, machine: MachineDescription): string {
  return [
    `## ${report.title} (\`npm run bench -- ${report.name}\`)`,
    "",
    `${date.slice(0, 10)} · ${machineSummary(machine)}`,
    "",
    `**${report.headline}**`,
    "",
    ...report.tables.flatMap((table) => [table, ""]),
    ...report.notes.map((note) => `- ${note}`),
  ].join("\n");
}

function readResults(): string {
  return existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, "utf8") : RESULTS_PREAMBLE;
}

/** Sections sit between marker comments, so a rerun replaces its own and leaves the others alone. */
function replaceSection(document: string, name: string, section: string): string {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${section}\n${end}`;
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from >= 0 && to > from) return document.slice(0, from) + block + document.slice(to + end.length);
  return `${document.trimEnd()}\n\n${block}\n`;
}
