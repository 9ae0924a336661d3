-- W8 echo, W9 bulk, W10 idle (Lua 5.1 + luv): every byte comes back to its
-- sender. Reading stops while more than 64 KiB wait to be sent, and starts
-- again when they have gone (backpressure).
local serve = dofile((arg[0]:match("^.*/") or "") .. "netserver.lua")

serve(function(client)
  local on_read
  local function resume()
    client:read_start(on_read)
  end
  function on_read(err, data)
    if err or not data then
      client:close()
      return
    end
    if client:get_write_queue_size() + #data > 65536 then
      client:read_stop()
      client:write(data, resume)
    else
      client:write(data)
    end
  end
  client:read_start(on_read)
end, "echo")
