/** Reads Parley's own figures from its /metrics (prom-client's text format). */
import type { GatewayPath } from "./gateway-paths.js";

/**
 * The sum over every series of one metric (all its label values, or those whose labels hold `labels`, such as
 * `kind="major"`); NaN if Parley did not report it.
 */
export async function parleyMetricSum(path: GatewayPath, name: string, labels?: string): Promise<number> {
  try {
    const response = await fetch(`${path.origin}/metrics`, { headers: path.headers });
    let sum = Number.NaN;
    for (const line of (await response.text()).split("\n")) {
      const next = line[name.length];
      if (!line.startsWith(name) || (next !== " " && next !== "{")) continue;
      if (labels !== undefined && !line.slice(name.length, line.lastIndexOf(" ")).includes(labels)) continue;
      sum = (Number.isNaN(sum) ? 0 : sum) + Number(line.slice(line.lastIndexOf(" ") + 1));
    }
    return sum;
  } catch {
    return Number.NaN;
  }
}
