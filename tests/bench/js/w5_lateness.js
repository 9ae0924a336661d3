// W5 lateness (Node.js, goja_nodejs): N sequential setTimeout(fire, 2);
// lateness = when it ran minus when it was due, in microseconds.
const args = typeof process === "object" ? process.argv.slice(2) : scriptArgs;
const N = Number(args[0] || 500);
const DELAY = 0.002;
const now = () => performance.now() / 1e3;

const late = [];
let due = 0;
function fire() {
  late.push((now() - due) * 1e6);
  if (late.length < N) {
    due = now() + DELAY;
    setTimeout(fire, DELAY * 1e3);
  } else {
    late.sort((a, b) => a - b);
    const pct = (p) => late[Math.max(0, Math.ceil(late.length * p) - 1)];
    const f = (v) => v.toFixed(1);
    console.log(`n=${late.length} min_us=${f(late[0])} p50_us=${f(pct(0.5))} ` +
      `p99_us=${f(pct(0.99))} max_us=${f(late[late.length - 1])}`);
  }
}

due = now() + DELAY;
setTimeout(fire, DELAY * 1e3);
