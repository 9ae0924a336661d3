// W8 poetry (Node.js): the fast poetry server, as scripts/fastpoetry.lua:
// each client gets the whole file, then the connection is closed.
const fs = require("fs");
const net = require("net");
const { parseArgs, address } = require("./netserver.js");

const opts = parseArgs(process.argv.slice(2));
const poem = fs.readFileSync(opts.file);
const server = net.createServer((socket) => {
  socket.on("error", () => {}); // a client that resets: nothing to do
  socket.end(poem);
});
// Backlog 50, as Twisted's and loopscript's listen_tcp (Node's default is 511).
server.listen({ port: opts.port, host: opts.iface, backlog: 50 }, () => {
  console.log(`Serving ${opts.file} on ${address(server)}.`);
});
process.on("SIGINT", () => process.exit(0));
