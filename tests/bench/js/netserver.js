// Command-line options shared by the network workloads' Node.js servers:
// --port N (0: any free port), --iface HOST, and a file for the poetry
// server, as the loopscript scripts take them.
exports.parseArgs = function parseArgs(argv) {
  const opts = { port: 0, iface: "127.0.0.1", file: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--port") opts.port = Number(argv[++i]);
    else if (argv[i] === "--iface") opts.iface = argv[++i];
    else opts.file = argv[i];
  }
  return opts;
};

// The line the runner reads the port from, in Twisted's words.
exports.address = function address(server) {
  const a = server.address();
  return `IPv4Address(type='TCP', host='${a.address}', port=${a.port})`;
};
