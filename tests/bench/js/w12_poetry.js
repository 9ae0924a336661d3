// W12 poetry fan-out (Node.js): the fast poetry server, as
// scripts/fastpoetry.lua: each client gets the whole file, then the
// connection is closed.
const fs = require("fs");
const { serve } = require("./netserver.js");

const file = process.argv[2];
const poem = fs.readFileSync(file);
serve((socket) => {
  socket.on("error", () => {});
  socket.end(poem);
}, file);
