// W3 chain (Node.js, goja_nodejs): N sequential setImmediate(step), one loop
// turn each.
const args = typeof process === "object" ? process.argv.slice(2) : scriptArgs;
const N = Number(args[0] || 200000);
const now = () => performance.now() / 1e3;

let i = 0, t0 = 0;
function step() {
  i++;
  if (i < N) {
    setImmediate(step);
  } else {
    console.log(`steps=${i} us_per_step=${((now() - t0) * 1e6 / N).toFixed(3)}`);
  }
}

setImmediate(() => {
  t0 = now();
  setImmediate(step);
});
