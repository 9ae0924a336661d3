// W4 idle (Node.js, goja_nodejs): one timer some seconds ahead, nothing else.
const args = typeof process === "object" ? process.argv.slice(2) : scriptArgs;
const D = Number(args[0] || 3);
const t0 = performance.now();
setTimeout(() => {
  console.log(`waited_s=${((performance.now() - t0) / 1e3).toFixed(3)}`);
}, D * 1e3);
