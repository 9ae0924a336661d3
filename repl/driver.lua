-- The REPL's side on the loop: it compiles what was typed as Lua 5.4's
-- interpreter does (first as "return LINE", so a bare expression prints its
-- values; "=expr" is "return expr"), tells an incomplete chunk from a wrong
-- one as lua.c does (its syntax error is at '<eof>'), and runs each chunk as
-- an inline callbacks function, so that defer.await works at the prompt.
local defer = require("defer")
local loadstring, select, tostring, type = loadstring, select, tostring, type
local concat = table.concat

local function pack(...)
	return {n = select("#", ...), ...}
end

-- Modules are globals at the prompt, loaded on first use, unless the
-- script already has a metatable on _G.
if getmetatable(_G) == nil then
	local modules = {}
	for name in pairs(package.preload) do
		modules[name] = true
	end
	setmetatable(_G, {__index = function(_, name)
		if modules[name] then
			return require(name)
		end
	end})
end

local function text(t)
	local parts = {}
	for i = 1, t.n do
		parts[i] = tostring(t[i])
	end
	return concat(parts, "\t")
end

local function failure_text(f)
	if type(f) ~= "table" then
		return tostring(f)
	end
	local ok, msg = pcall(f.get_error_message, f)
	if not ok then
		msg = tostring(f.value)
	end
	if type(f.traceback) == "string" and f.traceback ~= "" then
		-- The driver's own frames are no part of what the user typed.
		return msg .. "\n" .. (f.traceback:gsub("\n\trepl:[^\n]*", ""))
	end
	return msg
end

-- A message raised in the driver's own code (an interrupt that came as a
-- chunk started or ended) is shown without the driver's position: the
-- user typed none of it.
local function own_position_dropped(msg)
	return (msg:gsub("^repl:%d+: ", ""))
end

-- eval(src) returns "incomplete", or "error" and the message, or "running"
-- and the Deferred of the chunk's values (a table packed with their count),
-- which fires once the chunk is done (at once, unless it awaits).
local function eval(src)
	if src:sub(1, 1) == "=" then
		src = "return " .. src:sub(2)
	end
	local fn = loadstring("return " .. src, "=stdin")
	if not fn then
		local msg
		fn, msg = loadstring(src, "=stdin")
		if not fn then
			if msg:sub(-7) == "'<eof>'" then
				return "incomplete"
			end
			return "error", msg
		end
	end
	return "running", defer.inline_callbacks(function()
		return pack(fn())
	end)()
end

return {
	eval = eval,
	-- values(t) is the text of a chunk's values, nil for none.
	values = function(t)
		if t.n > 0 then
			return text(t)
		end
	end,
	-- failure(f) is the text of a chunk's error: message and traceback.
	failure = function(f)
		return own_position_dropped(failure_text(f))
	end,
}
