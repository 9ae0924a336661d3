-- W11 processes: spawn_process("/bin/true") N times one after another (the
-- next when the last has ended), then M at once. Spawns per second and this
-- process's own CPU per spawn (the children's left out).
local reactor = require("reactor")
local protocol = require("protocol")
local N, M = tonumber(arg[1]) or 1000, tonumber(arg[2]) or 100
local now = reactor.seconds

-- os.clock is the process's own CPU time (getrusage RUSAGE_SELF: every
-- thread's, the children's left out), as the peers' process_time, cpuUsage
-- and getrusage.
local own_cpu = os.clock

local Proc = protocol.ProcessProtocol:extend()

function Proc:init(done)
  self.done = done
end

function Proc:process_ended(reason)
  if reason.value.exit_code ~= 0 then
    error("/bin/true ended with " .. tostring(reason.value.exit_code))
  end
  self.done()
end

local function spawn(done)
  reactor.spawn_process(Proc(done), "/bin/true", {"true"})
end

local result = {}

local function at_once()
  local cpu0, t0, ended = own_cpu(), now(), 0
  for _ = 1, M do
    spawn(function()
      ended = ended + 1
      if ended == M then
        local wall, cpu = now() - t0, own_cpu() - cpu0
        print(string.format("%s par=%d par_per_s=%.1f par_cpu_us=%.1f", result.seq, M, M / wall, cpu * 1e6 / M))
        reactor.stop()
      end
    end)
  end
end

reactor.call_when_running(function()
  local cpu0, t0, started = own_cpu(), now(), 0
  local function next_one()
    if started == N then
      local wall, cpu = now() - t0, own_cpu() - cpu0
      result.seq = string.format("seq=%d seq_per_s=%.1f seq_cpu_us=%.1f", N, N / wall, cpu * 1e6 / N)
      return at_once()
    end
    started = started + 1
    spawn(next_one)
  end
  next_one()
end)
reactor.run()
