// W1 startup (Node.js, goja_nodejs): a callback run once the loop runs prints
// "hello"; the loop then has nothing left and ends.
setImmediate(() => console.log("hello"));
