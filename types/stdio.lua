---@meta stdio

---A protocol over standard input and output.
---@class stdio
local stdio = {}

---Runs proto over stdin and stdout and returns its transport;
---`connection_made` runs inside the call.
---@param proto Protocol
---@param opts? {stdin?: integer, stdout?: integer}
---@return Transport
function stdio.StandardIO(proto, opts) end

return stdio
