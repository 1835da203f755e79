// Given to a server with --import: writes the URL of every ES module its process loads to the file named by
// PARLEY_RECORD_MODULES, one per line, for tests of what a server loads and when.
import { register } from "node:module";

register("./record-loaded-modules-hooks.mjs", import.meta.url, {
  data: { file: process.env.PARLEY_RECORD_MODULES },
});
