import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { isRunningHere, localInstance } from "./local-process.js";

const onLinux = process.platform === "linux";

describe.runIf(onLinux)("whether an instance's process runs, seen from this machine", () => {
  const here = localInstance("inst_here");

  it("is known for a process that runs, one that has ended, and an earlier instance whose pid this process got", async () => {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 5000)"]);
    const pid = child.pid as number;
    try {
      expect(isRunningHere({ ...here, id: "inst_child", pid })).toBe(true);
    } finally {
      child.kill("SIGKILL");
    }
    await once(child, "exit");
    expect(isRunningHere({ ...here, id: "inst_child", pid })).toBe(false);
    expect(isRunningHere({ ...here, id: "inst_earlier" })).toBe(false);
  });

  it("counts a killed process its parent has not reaped yet (a zombie) as ended", async () => {
    // `sleep 5` replaces the shell and never waits for the shell's child, which stays a zombie once it exits.
    const parent = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 5"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    try {
      const [output] = (await once(parent.stdout, "data")) as [Buffer];
      const pid = Number(output.toString().trim());
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(isRunningHere({ ...here, pid })).toBe(false);
    } finally {
      parent.kill("SIGKILL");
    }
  });

  it("is left to the heartbeat for an instance of another machine or PID namespace, or one that did not say", () => {
    expect(isRunningHere({ ...here, pidNamespace: "another-boot/pid:[4026531836]" })).toBeUndefined();
    expect(isRunningHere({ ...here, pidNamespace: null })).toBeUndefined();
  });
});
