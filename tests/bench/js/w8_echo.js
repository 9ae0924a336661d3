// W8 echo, W9 bulk, W10 idle (Node.js): every byte comes back to its
// sender. pipe() stops reading while the socket's write buffer is over its
// high-water mark (backpressure).
const { serve } = require("./netserver.js");

serve((socket) => {
  socket.on("error", () => {}); // a client that resets: nothing to do
  socket.pipe(socket);
}, "echo");
