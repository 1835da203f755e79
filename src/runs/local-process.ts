/** This server process as the instances sharing a database know it, and whether another on this machine still runs. */
import { readFileSync, readlinkSync } from "node:fs";
import type { ServerInstance } from "../core/parley-store.js";

/** This process as an instance with the id `id`. */
export function localInstance(id: string): ServerInstance {
  return { id, pidNamespace: localPidNamespace(), pid: process.pid };
}

/**
 * Whether the process of an instance other than this one still runs, when that can be known from here: true or
 * false for an instance in this process's PID namespace, undefined for any other (its heartbeat tells).
 */
export function isRunningHere(instance: ServerInstance): boolean | undefined {
  const here = localPidNamespace();
  if (here === null || instance.pidNamespace !== here) return undefined;
  // This process's pid under another instance's id: that instance died and this process got its pid.
  if (instance.pid === process.pid) return false;
  try {
    process.kill(instance.pid, 0);
  } catch (error) {
    // EPERM: a process of another user has the pid, so something runs under it; only ESRCH says none does.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
  // A zombie (killed, not yet reaped by its parent) still answers the signal but no longer writes anything.
  return !isZombie(instance.pid);
}

let cachedNamespace: string | null | undefined;

/**
 * On Linux, the boot id (random per boot of the machine, shared by its containers) and the inode of the PID
 * namespace: together they name one table of processes. The inode alone does not, since every machine's first
 * namespace has the same one. Null elsewhere, where instances wait for heartbeats to go stale.
 */
function localPidNamespace(): string | null {
  if (cachedNamespace === undefined) {
    try {
      const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
      const namespace = readlinkSync("/proc/self/ns/pid");
      cachedNamespace = boot === "" ? null : `${boot}/${namespace}`;
    } catch {
      cachedNamespace = null;
    }
  }
  return cachedNamespace;
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state follows the parenthesised command name, which may itself hold spaces and parentheses.
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return false;
  }
}
