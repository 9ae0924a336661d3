// W9 idle and W10 echo (Node.js): a line echo server, as scripts/echo.lua
// with LineReceiver: every line ("\r\n" at its end) goes back to its sender.
const net = require("net");
const { parseArgs, address } = require("./netserver.js");

const opts = parseArgs(process.argv.slice(2));
const server = net.createServer((socket) => {
  let pending = Buffer.alloc(0);
  socket.on("error", () => {});
  socket.on("data", (data) => {
    pending = pending.length ? Buffer.concat([pending, data]) : data;
    let start = 0;
    for (;;) {
      const end = pending.indexOf("\r\n", start);
      if (end < 0) break;
      socket.write(pending.subarray(start, end + 2));
      start = end + 2;
    }
    pending = pending.subarray(start);
  });
  socket.on("end", () => socket.end());
});
// Backlog 50, as Twisted's and loopscript's listen_tcp (Node's default is 511).
server.listen({ port: opts.port, host: opts.iface, backlog: 50 }, () => {
  console.log(`Serving echo on ${address(server)}.`);
});
process.on("SIGINT", () => process.exit(0));
