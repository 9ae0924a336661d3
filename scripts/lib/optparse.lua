-- A small command-line parser for the tutorial's scripts, after Python's
-- optparse, which the originals use: options are --name VALUE or
-- --name=VALUE, -h/--help prints the help, "--" ends the options, and a
-- mistake prints the usage and "PROG: error: MESSAGE" on stderr and exits
-- with status 2. The scripts load it with
--
--   local optparse = dofile((arg[0]:match("^.*/") or "") .. "lib/optparse.lua")
--
-- so that it is found wherever they are run from.
local M = {}

local Parser = {}
Parser.__index = Parser

-- new makes a parser. spec.usage is the usage text ("usage: %prog ...",
-- %prog being the script's file name); spec.options a list of
-- {name = "num-bytes", type = "int" | "float" | "flag" | nil (a string;
-- a flag takes no value and is true when given, optparse's store_true),
-- default = ..., help = "..."}; with spec.help_when_empty, running with no
-- arguments at all prints the help and exits 0, as the clients do.
function M.new(spec)
  local p = setmetatable({
    usage = spec.usage,
    options = spec.options or {},
    help_when_empty = spec.help_when_empty,
    prog = ((arg and arg[0]) or "script"):match("[^/]*$"),
  }, Parser)
  return p
end

function Parser:usage_text()
  return (self.usage:gsub("^usage: ", "Usage: "):gsub("%%prog", self.prog))
end

function Parser:help_text()
  local rows = {{"-h, --help", "show this help message and exit"}}
  for _, o in ipairs(self.options) do
    local metavar = o.type == "flag" and "" or "=" .. (o.name:upper():gsub("-", "_"))
    rows[#rows + 1] = {"--" .. o.name .. metavar, o.help or ""}
  end
  local width = 0
  for _, r in ipairs(rows) do
    width = math.max(width, #r[1])
  end
  local lines = {self:usage_text(), "Options:"}
  for _, r in ipairs(rows) do
    lines[#lines + 1] = string.format("  %-" .. width .. "s  %s", r[1], r[2])
  end
  return table.concat(lines, "\n") .. "\n"
end

function Parser:print_help()
  io.write(self:help_text())
  os.exit(0)
end

-- error prints the usage and the message on stderr and exits 2; it does not
-- return.
function Parser:error(message)
  io.stderr:write(self:usage_text(), "\n", self.prog, ": error: ", message, "\n")
  os.exit(2)
end

-- Values as optparse's int and float types accept them, with its messages.
local TYPES = {
  int = {"integer", function(s) return s:match("^%s*[-+]?%d+%s*$") and tonumber(s) end},
  float = {"floating-point", function(s) return tonumber(s) end},
}

-- parse reads argv (a list, normally the global arg) and returns the
-- options by name (dashes kept: values["num-bytes"]) and the positional
-- arguments.
function Parser:parse(argv)
  local values, positional, by_name = {}, {}, {}
  for _, o in ipairs(self.options) do
    by_name[o.name], values[o.name] = o, o.default
  end
  if self.help_when_empty and #argv == 0 then
    self:print_help()
  end
  local i = 1
  while i <= #argv do
    local a = argv[i]
    if a == "-h" or a == "--help" then
      self:print_help()
    elseif a == "--" then
      for j = i + 1, #argv do
        positional[#positional + 1] = argv[j]
      end
      break
    elseif a:sub(1, 2) == "--" then
      local name, value = a:match("^%-%-([^=]*)=(.*)$")
      name = name or a:sub(3)
      local o = by_name[name] or self:error("no such option: --" .. name)
      if o.type == "flag" then
        if value ~= nil then
          self:error("--" .. name .. " option does not take a value")
        end
      elseif value == nil then
        i = i + 1
        value = argv[i] or self:error("--" .. name .. " option requires 1 argument")
      end
      local t = TYPES[o.type]
      if o.type == "flag" then
        values[name] = true
      elseif t then
        values[name] = t[2](value)
          or self:error(string.format("option --%s: invalid %s value: '%s'", name, t[1], value))
      else
        values[name] = value
      end
    elseif a:sub(1, 1) == "-" and #a > 1 then
      self:error("no such option: " .. a)
    else
      positional[#positional + 1] = a
    end
    i = i + 1
  end
  return values, positional
end

return M
