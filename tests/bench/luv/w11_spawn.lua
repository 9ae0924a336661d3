-- W11 processes (Lua 5.1 + luv): uv.spawn("/bin/true"), with three pipes
-- as the other peers give it, N times one after another (the next when the
-- last has exited and its pipes are closed), then M at once. Spawns per
-- second and this process's own CPU per spawn (uv.getrusage: the children's
-- left out).
local uv = require("luv")
local N, M = tonumber(arg[1]) or 1000, tonumber(arg[2]) or 100
local function now() return uv.hrtime() / 1e9 end
local function own_cpu()
  local ru = uv.getrusage()
  return ru.utime.sec + ru.utime.usec / 1e6 + ru.stime.sec + ru.stime.usec / 1e6
end

local function one(done)
  local pipes = {uv.new_pipe(false), uv.new_pipe(false), uv.new_pipe(false)}
  local handle
  handle = uv.spawn("/bin/true", {args = {}, stdio = pipes}, function(code)
    if code ~= 0 then error("/bin/true ended with " .. code) end
    for _, p in ipairs(pipes) do p:close() end
    handle:close()
    done()
  end)
  assert(handle, "cannot spawn /bin/true")
end

local seq
local function at_once()
  local cpu0, t0, ended = own_cpu(), now(), 0
  for _ = 1, M do
    one(function()
      ended = ended + 1
      if ended == M then
        local wall, cpu = now() - t0, own_cpu() - cpu0
        print(string.format("%s par=%d par_per_s=%.1f par_cpu_us=%.1f", seq, M, M / wall, cpu * 1e6 / M))
      end
    end)
  end
end

local cpu0, t0, started = own_cpu(), now(), 0
local function next_one()
  if started == N then
    local wall, cpu = now() - t0, own_cpu() - cpu0
    seq = string.format("seq=%d seq_per_s=%.1f seq_cpu_us=%.1f", N, N / wall, cpu * 1e6 / N)
    return at_once()
  end
  started = started + 1
  one(next_one)
end
next_one()
uv.run()
