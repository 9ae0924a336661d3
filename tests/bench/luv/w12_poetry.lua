-- W12 poetry fan-out (Lua 5.1 + luv): the fast poetry server, as
-- scripts/fastpoetry.lua: each client gets the whole file, then the
-- connection is closed.
local serve = dofile((arg[0]:match("^.*/") or "") .. "netserver.lua")

local input = assert(io.open(arg[1], "rb"))
local poem = input:read("*a")
input:close()

serve(function(client)
  client:write(poem)
  client:shutdown(function() client:close() end)
end, arg[1])
