-- What the network workloads' luv servers share: they listen on 127.0.0.1,
-- on a free port, with a backlog of 1024 (as every peer), print the port for
-- netload to read, and exit on SIGINT. serve(on_connection, what) calls
-- on_connection(client) with each accepted uv tcp handle.
local uv = require("luv")

local function serve(on_connection, what)
  local server = uv.new_tcp()
  assert(server:bind("127.0.0.1", 0))
  assert(server:listen(1024, function(err)
    assert(not err, err)
    local client = uv.new_tcp()
    server:accept(client)
    client:nodelay(true)
    on_connection(client)
  end))
  local sigint = uv.new_signal()
  sigint:start("sigint", function() os.exit(0) end)
  io.write(string.format("Serving %s on port %d.\n", what, server:getsockname().port))
  io.stdout:flush()
  uv.run()
end

return serve
