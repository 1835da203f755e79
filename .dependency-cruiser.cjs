// Dependencies point one way (architecture.md): http -> runs, bots -> providers, store -> core.
// core imports no other folder; the engine process and the CLI sit on top.
const layer = (name) => `^src/${name}/`;
module.exports = {
  forbidden: [
    {
      name: "core-is-pure",
      severity: "error",
      from: { path: layer("core") },
      to: { path: "^src/(?!core/)" },
    },
    {
      name: "config-on-core-only",
      severity: "error",
      from: { path: layer("config") },
      to: { path: "^src/(?!core/|config/)" },
    },
    {
      name: "store-below-providers",
      severity: "error",
      from: { path: layer("store") },
      to: { path: "^src/(http|runs|bots|providers|engine|cli)/" },
    },
    {
      name: "providers-below-runs",
      severity: "error",
      from: { path: layer("providers") },
      to: { path: "^src/(http|runs|bots|store|engine|cli)/" },
    },
    {
      name: "engine-stands-alone",
      severity: "error",
      from: { path: layer("engine") },
      to: { path: "^src/(http|runs|bots|store|providers|cli)/" },
    },
    {
      name: "runs-below-http",
      severity: "error",
      from: { path: layer("(runs|bots)") },
      to: { path: "^src/(http|cli)/" },
    },
    { name: "http-below-cli", severity: "error", from: { path: layer("http") }, to: { path: "^src/cli/" } },
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "\\.test\\.ts$" },
  },
};
