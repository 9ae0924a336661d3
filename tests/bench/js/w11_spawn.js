// W11 processes (Node.js): child_process.spawn("/bin/true") N times one
// after another (the next when the last has closed), then M at once. Spawns
// per second and this process's own CPU per spawn (process.cpuUsage: the
// children's left out).
const { spawn } = require("child_process");
const N = Number(process.argv[2] || 1000);
const M = Number(process.argv[3] || 100);
const now = () => performance.now() / 1e3;
const ownCPU = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

function one(done) {
  spawn("/bin/true").on("close", (code) => {
    if (code !== 0) throw new Error(`/bin/true ended with ${code}`);
    done();
  });
}

let seq = "";
function atOnce() {
  const cpu0 = ownCPU(), t0 = now();
  let ended = 0;
  for (let i = 0; i < M; i++) {
    one(() => {
      if (++ended === M) {
        const wall = now() - t0, cpu = ownCPU() - cpu0;
        console.log(`${seq} par=${M} par_per_s=${(M / wall).toFixed(1)} par_cpu_us=${(cpu * 1e6 / M).toFixed(1)}`);
      }
    });
  }
}

const cpu0 = ownCPU(), t0 = now();
let started = 0;
function nextOne() {
  if (started === N) {
    const wall = now() - t0, cpu = ownCPU() - cpu0;
    seq = `seq=${N} seq_per_s=${(N / wall).toFixed(1)} seq_cpu_us=${(cpu * 1e6 / N).toFixed(1)}`;
    return atOnce();
  }
  started++;
  one(nextOne);
}
nextOne();
