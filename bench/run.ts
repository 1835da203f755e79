/** `npm run bench -- <name>`: runs one benchmark (or `all`), prints its table, writes its JSON and RESULTS.md section. */
import { runGatewayBenchmark } from "./gateway-benchmark.js";
import { runMemoryBenchmark } from "./memory-benchmark.js";
import { runPipelineBenchmark } from "./pipeline-benchmark.js";
import { runPromptCacheBenchmark } from "./prompt-cache-benchmark.js";
import { runResumeBenchmark } from "./resume-benchmark.js";
import { type BenchmarkReport, writeBenchmarkReport } from "./support/write-benchmark-report.js";
import { runWebAppBenchmark } from "./web-app-benchmark.js";

const benchmarks: Record<string, () => Promise<BenchmarkReport>> = {
  pipeline: runPipelineBenchmark,
  "prompt-cache": runPromptCacheBenchmark,
  resume: runResumeBenchmark,
  gateway: runGatewayBenchmark,
  memory: runMemoryBenchmark,
  web: runWebAppBenchmark,
};

const names = process.argv.slice(2);
const unknown = names.filter((name) => name !== "all" && !(name in benchmarks));
if (names.length === 0 || unknown.length > 0) {
  process.stderr.write(
    `${unknown.length > 0 ? `Unknown benchmark ${unknown.join(", ")}. ` : ""}Usage: npm run bench -- <${[...Object.keys(benchmarks), "all"].join(" | ")}>\n`,
  );
  process.exit(2);
}

const selected = names.includes("all") ? Object.keys(benchmarks) : names;
for (const name of selected) {
  const startedAt = performance.now();
  process.stdout.write(`\n=== ${name} ===\n`);
  const report = await (benchmarks[name] as () => Promise<BenchmarkReport>)();
  writeBenchmarkReport(report);
  process.stdout.write(`${name} took ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`);
}
