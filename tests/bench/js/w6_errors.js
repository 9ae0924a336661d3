// W6 errors (Node.js, goja_nodejs): N sequential callbacks that throw. Node
// would exit on the first uncaught exception, so a handler reports each one
// to stderr with its stack. goja_nodejs has no process object: its event
// loop drops the exceptions of timer callbacks unreported.
const args = typeof process === "object" ? process.argv.slice(2) : scriptArgs;
const N = Number(args[0] || 100000);
const now = () => performance.now() / 1e3;

if (typeof process === "object") {
  process.on("uncaughtException", (e) => {
    process.stderr.write("Unhandled error in callback:\n" + e.stack + "\n");
  });
}

let i = 0, t0 = 0;
function finish() {
  console.log(`errors=${i} us_per_error=${((now() - t0) * 1e6 / N).toFixed(3)}`);
}
function fail() {
  i++;
  setImmediate(i < N ? fail : finish);
  throw new Error("boom");
}

setImmediate(() => {
  t0 = now();
  setImmediate(fail);
});
