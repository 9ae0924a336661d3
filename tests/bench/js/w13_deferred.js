// W13 Deferreds (Node.js Promises): a chain of N then() steps on a resolved
// promise (each step runs as a microtask once the chain is built, where a
// fired Deferred runs it at once), and an async function awaiting M promises that
// are already resolved. µs per step, of wall time and of this process's own
// CPU; each phase's time includes building what it runs.
const N = Number(process.argv[2] || 1000000);
const M = Number(process.argv[3] || 100000);
const now = () => performance.now();
const ownCPU = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; }; // ms
const inc = (v) => v + 1;

async function main() {
  let t0 = now(), cpu0 = ownCPU();
  let p = Promise.resolve(0);
  for (let i = 0; i < N; i++) p = p.then(inc);
  const last = await p;
  const chainUs = (now() - t0) * 1e3 / N, chainCPUUs = (ownCPU() - cpu0) * 1e3 / N;
  if (last !== N) throw new Error(`the chain ended with ${last}`);

  async function awaitAll(n) {
    let sum = 0;
    for (let i = 1; i <= n; i++) sum += await Promise.resolve(i);
    return sum;
  }
  t0 = now();
  cpu0 = ownCPU();
  const sum = await awaitAll(M);
  const awaitUs = (now() - t0) * 1e3 / M, awaitCPUUs = (ownCPU() - cpu0) * 1e3 / M;
  if (sum !== M * (M + 1) / 2) throw new Error(`the awaits summed to ${sum}`);
  console.log(`steps=${N} chain_us=${chainUs.toFixed(3)} chain_cpu_us=${chainCPUUs.toFixed(3)} ` +
    `awaits=${M} await_us=${awaitUs.toFixed(3)} await_cpu_us=${awaitCPUUs.toFixed(3)}`);
}
main();
