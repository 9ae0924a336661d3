-- W8 echo, W9 bulk, W10 idle: every byte comes back to its sender. The
-- transport is its own streaming producer, so reading stops while more
-- than 64 KiB wait to be sent (backpressure), as in Twisted's idiom.
local protocol = require("protocol")
local reactor = require("reactor")

local Echo = protocol.Protocol:extend()

function Echo:connection_made()
  self.transport:set_tcp_no_delay(true)
  self.transport:register_producer(self.transport, true)
end

function Echo:data_received(data)
  self.transport:write(data)
end

local factory = protocol.ServerFactory:extend{protocol = Echo}()
local port = reactor.listen_tcp(0, factory, {interface = "127.0.0.1", backlog = 1024})
print(string.format("Serving echo on %s.", tostring(port:get_host())))
reactor.run()
