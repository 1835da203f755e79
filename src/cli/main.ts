/** The `parley` command: serve, engine, pull, models, and developer tools. */
import { Command, InvalidArgumentError } from "commander";
import { AppError } from "../core/app-error.js";

// Each command loads only its own modules: an engine process must not pay for the server's, and back.
const program = new Command()
  .name("parley")
  .description("Parley, a self-hosted AI chat platform.")
  .showHelpAfterError()
  .exitOverride((error) => {
    process.exit(error.exitCode);
  });

program
  .command("serve", { isDefault: true })
  .description("Serve the API and supervise the local model engines.")
  .option("-c, --config <file>", "config file (default: ./parley.config.yaml, or PARLEY_CONFIG)")
  .option("-p, --port <number>", "port to listen on (default 3000, or PORT)", integer)
  .option("--host <address>", "address to listen on (default 127.0.0.1)")
  .option("--data-dir <dir>", "where conversations are stored (default ./data)")
  .option("-m, --model <file.gguf>", "serve this GGUF file (or PARLEY_MODEL)")
  .option("--threads <number>", "CPU threads per engine", integer)
  .option("--no-auth", "single-user mode: no accounts (only on a loopback address)")
  .action(async ({ auth, ...options }) =>
    (await import("./serve-command.js")).runServe({ ...options, noAuth: auth === false }),
  );

program
  .command("engine")
  .description(
    "Run one local model as an OpenAI-compatible server (started by `serve`, or alone on another machine).",
  )
  .requiredOption("-m, --model <file.gguf>", "the GGUF file to serve")
  .option("--id <name>", "model id clients send (default: the file name)")
  .option("-p, --port <number>", "port (0 picks a free one)", integer, 0)
  .option("--host <address>", "address to listen on", "127.0.0.1")
  .option("--threads <number>", "CPU threads (default: cores - 1)", integer)
  .option("--sequences <number>", "conversations decoded in parallel", integer)
  .option("--context-size <number>", "tokens of context per sequence", integer)
  .option("--gpu", "use a GPU when llama.cpp finds one")
  .option("--embedding", "serve embeddings only (POST /v1/embeddings), with no chat context")
  .action(async (options) => (await import("./engine-command.js")).runEngineCommand(options));

program
  .command("pull")
  .description("Download a recommended model (qwen3-0.6b, qwen3-1.7b, qwen3-4b) into the models folder.")
  .argument("<model>", "a recommended model name, or an hf:owner/repo/file.gguf address")
  .option("--models-dir <dir>", "where models are kept (default ./models)")
  .action(async (name, options) => (await import("./pull-command.js")).runPullCommand(name, options));

program
  .command("models")
  .description("List the GGUF models in the models folder and the recommended ones to pull.")
  .option("--models-dir <dir>", "where models are kept (default ./models)")
  .action(async (options) => (await import("./models-command.js")).runModelsCommand(options));

const users = program.command("users").description("Manage accounts.");
users
  .command("add")
  .description("Create an account; the password is read from standard input.")
  .argument("<email>", "the login name")
  .option("--admin", "make the account an admin")
  .option("-c, --config <file>", "config file (default: ./parley.config.yaml)")
  .option("--data-dir <dir>", "where Parley stores its data (default ./data)")
  .action(async (email, options) => (await import("./users-command.js")).runUsersAdd(email, options));
users
  .command("password")
  .description("Set an account's password, read from standard input; its sessions end.")
  .argument("<email>", "the login name")
  .option("-c, --config <file>", "config file (default: ./parley.config.yaml)")
  .option("--data-dir <dir>", "where Parley stores its data (default ./data)")
  .action(async (email, options) => (await import("./users-command.js")).runUsersPassword(email, options));
users
  .command("list")
  .description("List the accounts.")
  .option("-c, --config <file>", "config file (default: ./parley.config.yaml)")
  .option("--data-dir <dir>", "where Parley stores its data (default ./data)")
  .action(async (options) => (await import("./users-command.js")).runUsersList(options));

const keys = program.command("keys").description("Manage API keys.");
keys
  .command("create")
  .description("Create an API key for an account and print it (shown this once).")
  .requiredOption("--user <email>", "the account the key acts for")
  .option("--name <name>", "a name to tell the key apart", "")
  .option("--requests-per-minute <number>", "the key's own limit, within its user's", positiveInteger)
  .option("--tokens-per-day <number>", "the key's own daily token quota, within its user's", positiveInteger)
  .option(
    "--expires-in-days <number>",
    "the key stops working by itself after this many days",
    positiveInteger,
  )
  .option(
    "--models <ids>",
    "the only models the key may use, comma-separated (chat model ids, auto, bot:<slug>, embedding models); default: all",
    modelList,
  )
  .option("-c, --config <file>", "config file (default: ./parley.config.yaml)")
  .option("--data-dir <dir>", "where Parley stores its data (default ./data)")
  .action(async (options) => (await import("./keys-command.js")).runKeysCreate(options));
keys
  .command("list")
  .description("List an account's API keys: id, prefix, status, models, name (never the keys themselves).")
  .requiredOption("--user <email>", "the account whose keys to list")
  .option("-c, --config <file>", "config file (default: ./parley.config.yaml)")
  .option("--data-dir <dir>", "where Parley stores its data (default ./data)")
  .action(async (options) => (await import("./keys-command.js")).runKeysList(options));
keys
  .command("revoke")
  .description(
    "Revoke one of an account's API keys (a key that leaked); the account and its other keys go on.",
  )
  .argument("<id>", "the key's id, as `keys list` shows it")
  .requiredOption("--user <email>", "the account the key belongs to")
  .option("-c, --config <file>", "config file (default: ./parley.config.yaml)")
  .option("--data-dir <dir>", "where Parley stores its data (default ./data)")
  .action(async (id, options) => (await import("./keys-command.js")).runKeysRevoke(id, options));

program
  .command("dev")
  .description("Tools for developing Parley.")
  .command("tiny-model")
  .description("Write the tiny test model: its greedy chat reply is exactly the alphabet.")
  .argument("<out.gguf>", "file to write")
  .option("--loop", "repeat the alphabet until max tokens, for long-running tests")
  .action(async (file, options) =>
    (await import("./dev-tiny-model-command.js")).runDevTinyModel(file, options),
  );

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected a whole number.");
  return Number(value);
}

function modelList(value: string): string[] {
  const models = value
    .split(",")
    .map((model) => model.trim())
    .filter((model) => model !== "");
  if (models.length === 0) throw new InvalidArgumentError("expected one model id or more, comma-separated.");
  return [...new Set(models)];
}

function positiveInteger(value: string): number {
  const number = integer(value);
  if (number < 1) throw new InvalidArgumentError("expected a whole number of 1 or more.");
  return number;
}

try {
  await program.parseAsync();
} catch (error) {
  // Errors that Parley explains are printed as such; anything else is a defect worth its stack.
  console.error(error instanceof AppError ? `parley: ${error.message}` : error);
  process.exit(1);
}
