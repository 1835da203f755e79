import { describe, expect, it } from "vitest";
import { CircuitBreaker, type CircuitState } from "./circuit-breaker.js";

function breakerWithClock(config: ConstructorParameters<typeof CircuitBreaker>[0] = {}) {
  let now = 0;
  const transitions: string[] = [];
  const breaker = new CircuitBreaker({
    failureThreshold: 3,
    coolDownMs: 1000,
    now: () => now,
    onStateChange: (from: CircuitState, to: CircuitState) => transitions.push(`${from}->${to}`),
    ...config,
  });
  return {
    breaker,
    transitions,
    advance: (milliseconds: number) => {
      now += milliseconds;
    },
  };
}

describe("CircuitBreaker", () => {
  it("opens after K consecutive failures and then refuses at once", () => {
    const { breaker } = breakerWithClock();
    for (let failure = 0; failure < 2; failure++) {
      expect(breaker.tryAcquire()).toBe(true);
      breaker.recordFailure();
    }
    expect(breaker.state).toBe("closed");
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordFailure();
    expect(breaker.state).toBe("open");
    expect(breaker.tryAcquire()).toBe(false);
  });

  it("says how long until an open circuit lets a trial call through, and 0 while calls may go out", () => {
    const { breaker, advance } = breakerWithClock();
    expect(breaker.msUntilTrial).toBe(0);
    for (let failure = 0; failure < 3; failure++) breaker.recordFailure();
    expect(breaker.msUntilTrial).toBe(1000);
    advance(400);
    expect(breaker.msUntilTrial).toBe(600);
    advance(600);
    expect(breaker.msUntilTrial).toBe(0);
    expect(breaker.tryAcquire()).toBe(true);
  });

  it("counts only consecutive failures: a success in between starts over", () => {
    const { breaker } = breakerWithClock();
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe("closed");
  });

  it("after the cool-down lets exactly one trial through; its success closes the circuit", () => {
    const { breaker, transitions, advance } = breakerWithClock();
    for (let failure = 0; failure < 3; failure++) breaker.recordFailure();
    advance(999);
    expect(breaker.tryAcquire()).toBe(false);
    advance(1);
    expect(breaker.state).toBe("half-open");
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    breaker.recordSuccess();
    expect(breaker.state).toBe("closed");
    expect(breaker.tryAcquire()).toBe(true);
    expect(transitions).toEqual(["closed->open", "open->half-open", "half-open->closed"]);
  });

  it("awaits a trial only while half-open with no trial call under way", () => {
    const { breaker, advance } = breakerWithClock();
    expect(breaker.awaitingTrial).toBe(false);
    for (let failure = 0; failure < 3; failure++) breaker.recordFailure();
    expect(breaker.awaitingTrial).toBe(false);
    advance(1000);
    expect(breaker.awaitingTrial).toBe(true);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.awaitingTrial).toBe(false);
    breaker.release();
    expect(breaker.awaitingTrial).toBe(true);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordSuccess();
    expect(breaker.awaitingTrial).toBe(false);
  });

  it("reopens for a whole new cool-down when the trial fails", () => {
    const { breaker, advance } = breakerWithClock();
    for (let failure = 0; failure < 3; failure++) breaker.recordFailure();
    advance(1000);
    expect(breaker.tryAcquire()).toBe(true);
    advance(500);
    breaker.recordFailure();
    expect(breaker.state).toBe("open");
    advance(999);
    expect(breaker.tryAcquire()).toBe(false);
    advance(1);
    expect(breaker.tryAcquire()).toBe(true);
  });

  it("is not closed by a late success of a call that set out before it opened", () => {
    const { breaker } = breakerWithClock();
    for (let failure = 0; failure < 3; failure++) breaker.recordFailure();
    breaker.recordSuccess();
    expect(breaker.state).toBe("open");
  });

  it("frees the trial slot of a call released without a verdict", () => {
    const { breaker, advance } = breakerWithClock();
    for (let failure = 0; failure < 3; failure++) breaker.recordFailure();
    advance(1000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.release();
    expect(breaker.state).toBe("half-open");
    expect(breaker.tryAcquire()).toBe(true);
  });

  it("also opens on a failure rate over a window, without K failures in a row", () => {
    const { breaker } = breakerWithClock({
      failureThreshold: 100,
      failureRate: { threshold: 0.5, window: 10, minimumCalls: 6 },
    });
    const states: string[] = [];
    for (let call = 0; call < 5; call++) {
      breaker.recordSuccess();
      breaker.recordFailure();
      states.push(breaker.state);
    }
    // Three failures in six calls reach the 50 % rate once six calls were seen.
    expect(states).toEqual(["closed", "closed", "open", "open", "open"]);
  });
});
