/** Describes the machine a benchmark ran on, because every figure in RESULTS.md depends on it. */
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg, totalmem } from "node:os";

export type MachineDescription = {
  cores: number;
  cpuModel: string;
  nodeVersion: string;
  memoryGiB: number;
  /** One-minute load average when the benchmark started: a busy shared machine shows here. */
  loadAverage: number;
};

export function describeMachine(): MachineDescription {
  return {
    cores: availableParallelism(),
    cpuModel: cpuModel(),
    nodeVersion: process.version,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

export function machineSummary(machine: MachineDescription): string {
  return `${machine.cores} cores, ${machine.cpuModel}, Node ${machine.nodeVersion}, ${machine.memoryGiB} GiB, load ${machine.loadAverage} at start`;
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    return match?.[1]?.trim() ?? "unknown CPU";
  } catch {
    return "unknown CPU";
  }
}
