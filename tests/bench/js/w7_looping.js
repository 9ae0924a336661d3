// W7 looping (Node.js, goja_nodejs): setInterval every 1 ms for 2 s, plus a
// first call at once (as LoopingCall.start(interval, now=true) makes).
const args = typeof process === "object" ? process.argv.slice(2) : scriptArgs;
const DURATION = Number(args[0] || 2);
const INTERVAL = 0.001;
const now = () => performance.now() / 1e3;

let calls = 0, first = 0, last = 0;
function fn() {
  last = now();
  if (calls === 0) first = last;
  calls++;
}
fn();
const h = setInterval(fn, INTERVAL * 1e3);
setTimeout(() => {
  clearInterval(h);
  const drift = ((last - first) - (calls - 1) * INTERVAL) * 1e3;
  console.log(`calls=${calls} drift_ms=${drift.toFixed(3)}`);
}, DURATION * 1e3);
