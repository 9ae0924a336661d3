---@meta stdio

---A protocol over standard input and output.
---
---```lua
---local reactor, protocol, stdio = require("reactor"), require("protocol"), require("stdio")
---local Echo = protocol.Protocol:extend()
---function Echo:data_received(data)
---  self.transport:write(data)
---end
---function Echo:connection_lost()
---  reactor.stop() -- standard input is at its end
---end
---stdio.StandardIO(Echo())
---reactor.run()
---```
---@class stdio
local stdio = {}

---Runs proto over stdin and stdout and returns its transport;
---`connection_made` runs inside the call.
---@param proto Protocol
---@param opts? {stdin?: integer, stdout?: integer}
---@return Transport
function stdio.StandardIO(proto, opts) end

return stdio
