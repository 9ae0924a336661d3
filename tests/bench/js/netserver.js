// What the network workloads' Node.js servers share: they listen on
// 127.0.0.1, on a free port, with a backlog of 1024 (as every peer), print
// the port for netload to read, and exit on SIGINT.
const net = require("net");

exports.serve = function serve(onConnection, what) {
  const server = net.createServer({ noDelay: true }, onConnection);
  server.listen({ port: 0, host: "127.0.0.1", backlog: 1024 }, () => {
    console.log(`Serving ${what} on port ${server.address().port}.`);
  });
  process.on("SIGINT", () => process.exit(0));
};
