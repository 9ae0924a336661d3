-- A first callback (basic-twisted/hello.py): the reactor calls hello once it
-- is running. Afterwards the loop idles forever, like the original: stop it
-- with Ctrl-C.
local reactor = require("reactor")

local function hello()
  print("Hello from the reactor loop!")
  print("Lately I feel like I'm stuck in a rut.")
end

reactor.call_when_running(hello)

print("Starting the reactor.")
reactor.run()
