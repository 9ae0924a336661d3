// W2 timers (Node.js, goja_nodejs): see ../loopscript/w2_timers.lua.
// setTimeout takes milliseconds; goja_nodejs truncates them to whole ones.
const args = typeof process === "object" ? process.argv.slice(2) : scriptArgs;
const N = Number(args[0] || 200000);
const now = () => performance.now() / 1e3;

let count = 0, last = 0;
function tick() {
  count++;
  if (count === N) {
    last = now();
    console.log(`fired=${count} x=${x} schedule_ms=${((scheduled - t0) * 1e3).toFixed(1)} ` +
      `late_ms=${((last - deadline) * 1e3).toFixed(3)}`);
  }
}

let x = 12345, deadline = 0, block = 0, scheduled = 0;
const t0 = now();
for (let i = 1; i <= N; i++) {
  if (i % 1024 === 1) block = now();
  x = (1664525 * x + 1013904223) % 4294967296;
  const d = (x % 500001) / 1e6;
  setTimeout(tick, d * 1e3);
  if (block + d > deadline) deadline = block + d;
}
scheduled = now();
