import { defineConfig } from "vitest/config";

// The servers and commands the tests start inherit this environment: a database or Redis set there for real use
// must never receive test data. A test that needs one passes its own.
for (const name of ["DATABASE_URL", "PARLEY_DATABASE_URL", "PARLEY_REDIS_URL"]) delete process.env[name];

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Cross-process tests start real servers and engines; two cores cannot run many at once.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 60_000,
    // A throwaway PostgreSQL cluster for the store's PostgreSQL variants (PARLEY_TEST_POSTGRES=skip skips them).
    globalSetup: ["test/support/postgres-test-cluster.ts"],
    hookTimeout: 60_000,
    // CI reads the counts from this file to print one plain closing line.
    reporters: process.env.CI ? ["default", ["json", { outputFile: "test-results.json" }]] : ["default"],
  },
});
