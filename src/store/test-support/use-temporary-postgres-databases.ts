/**
 * Test support: fresh PostgreSQL databases, each made with CREATE DATABASE under a random name on the test server
 * (PARLEY_TEST_POSTGRES_URL, started by test/support/postgres-test-cluster.ts), and dropped after the test (or the
 * file, when made in a beforeAll).
 * Test files and their tests stay independent however vitest runs them side by side.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, afterEach, beforeEach } from "vitest";

const HOW_TO_RUN =
  "Install PostgreSQL (Debian or Ubuntu: apt-get install postgresql; the tests start their own throwaway cluster " +
  "with its initdb and pg_ctl), or set PARLEY_TEST_POSTGRES_URL to a server where the tests may create databases, " +
  "or set PARLEY_TEST_POSTGRES=skip to skip the PostgreSQL tests.";

export type TemporaryPostgresDatabases = {
  /** Creates an empty database and returns its URL. */
  create(): Promise<string>;
};

/**
 * Call once per test file or `describe`, before hooks that close what uses the databases (after-hooks run in
 * reverse order, so those close first). Its tests are skipped when PARLEY_TEST_POSTGRES=skip, and fail with a
 * message that says what to install when there is no server to test on.
 */
export function useTemporaryPostgresDatabases(): TemporaryPostgresDatabases {
  const skipped = process.env.PARLEY_TEST_POSTGRES === "skip";
  const serverUrl = process.env.PARLEY_TEST_POSTGRES_URL;
  beforeEach((context) => {
    if (skipped) context.skip("PARLEY_TEST_POSTGRES=skip");
    if (serverUrl === undefined || serverUrl === "") {
      const reason = process.env.PARLEY_TEST_POSTGRES_UNAVAILABLE ?? "PARLEY_TEST_POSTGRES_URL is not set.";
      throw new Error(`This test runs on PostgreSQL, and there is none to run on. ${reason}\n${HOW_TO_RUN}`);
    }
  });

  // A database made during a test is dropped after it, one made in a beforeAll after the file: a test file's
  // databases would otherwise pile up, some 8 MB each.
  const createdInTest: string[] = [];
  const createdForFile: string[] = [];
  let inTest = false;
  let admin: pg.Client | undefined;
  const connectAdmin = async (url: string) => {
    if (admin === undefined) {
      admin = new pg.Client({ connectionString: url });
      await admin.connect();
    }
    return admin;
  };
  const drop = async (names: string[]) => {
    // FORCE: a store a failed test left open must not keep its database.
    for (const name of names.splice(0)) await admin?.query(`drop database if exists "${name}" with (force)`);
  };
  beforeEach(() => {
    inTest = true;
  });
  afterEach(async () => {
    inTest = false;
    await drop(createdInTest);
  });
  afterAll(async () => {
    try {
      await drop(createdForFile);
    } finally {
      await admin?.end();
    }
  });

  return {
    async create() {
      if (serverUrl === undefined || skipped)
        throw new Error(`No PostgreSQL server to test on. ${HOW_TO_RUN}`);
      const name = `parley_test_${randomBytes(6).toString("hex")}`;
      await (await connectAdmin(serverUrl)).query(`create database "${name}"`);
      (inTest ? createdInTest : createdForFile).push(name);
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
  };
}
