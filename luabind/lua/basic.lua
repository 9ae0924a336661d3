-- The "basic" module: framing on top of a stream protocol, after Twisted's
-- twisted.protocols.basic. LineReceiver splits the stream into lines (and
-- can switch to raw data and back), NetstringReceiver into netstrings
-- ("LEN:DATA,"), Int32StringReceiver into strings with a 4-byte big-endian
-- length prefix. Each is a protocol.Protocol whose data_received parses;
-- a script extends it and defines line_received, string_received, ...
--
-- Guarantees: the same stream gives the same calls however it is cut into
-- chunks, except where the buffer shows: what clear_line_buffer returns,
-- the argument of line_length_exceeded (the line too long, and whatever
-- followed it in the buffer), and a line_received that returns a true value
-- (the rest waits for the next chunk, as in Twisted). The work is linear in
-- the bytes received, whatever the chunk sizes.

local protocol = require("protocol")

local find, sub, byte, char = string.find, string.sub, string.byte, string.char
local concat = table.concat
local floor = math.floor

local M = {}

-- A buffer holds received bytes not yet parsed: head from offset pos, then
-- the strings in parts. Received chunks are queued in parts rather than
-- joined to what is buffered, so a long partial line or netstring arriving in
-- small chunks is not copied once per chunk; parts are merged so that each is
-- at least twice the size of the next, which keeps the list short (a log of
-- the total) and copies each byte a logarithmic number of times at most.

local function new_buffer()
	return {head = "", pos = 1, parts = {}, n = 0, size = 0}
end

local function push(b, s)
	local parts, n = b.parts, b.n + 1
	parts[n] = s
	while n > 1 and #parts[n - 1] < 2 * #parts[n] do
		parts[n - 1] = parts[n - 1] .. parts[n]
		parts[n] = nil
		n = n - 1
	end
	b.n = n
	b.size = b.size + #s
	b.clean = nil
end

-- flatten moves the queued parts into head, so that head from pos is
-- everything buffered.
local function flatten(b)
	local n = b.n
	if n == 0 then
		return
	end
	local parts = b.parts
	local queued = n == 1 and parts[1] or concat(parts, "", 1, n)
	for i = 1, n do
		parts[i] = nil
	end
	b.n = 0
	if b.pos > #b.head then
		b.head = queued
	else
		b.head = sub(b.head, b.pos) .. queued
	end
	b.pos = 1
end

-- take_all empties the buffer and returns what it held.
local function take_all(b)
	flatten(b)
	local all = b.head
	if b.pos > 1 then
		all = sub(all, b.pos)
	end
	b.head, b.pos, b.size, b.clean = "", 1, 0, nil
	return all
end

-- consume drops the first k bytes of head from pos.
local function consume(b, k)
	b.pos = b.pos + k
	b.size = b.size - k
end

-- settle is called when parsing stops: a small remainder of a large chunk is
-- copied (a substring shares its chunk's memory in gopher-lua), so an idle
-- connection keeps only the bytes it still needs.
local function settle(b)
	local head, pos = b.head, b.pos
	if pos == 1 then
		return
	end
	if pos > #head then
		b.head, b.pos = "", 1
		return
	end
	local rest = sub(head, pos)
	if #rest * 4 < #head then
		rest = "" .. rest
	end
	b.head, b.pos = rest, 1
end

-- check_data returns a string or number argument as the string to send, or
-- raises Lua's bad argument error naming method name.
local function check_data(v, name)
	local t = type(v)
	if t == "string" then
		return v
	elseif t == "number" then
		return "" .. v
	end
	if v == nil then
		t = "no value"
	end
	error("bad argument #1 to '" .. name .. "' (string expected, got " .. t .. ")", 3)
end

-- check_self raises the error of a receiver's method called with '.' for
-- ':' (self is then the first argument, or nothing), as luabind's Go
-- methods word it; class names the receiver's class.
local function check_self(self, name, class)
	local t = type(self)
	if t ~= "table" then
		if self == nil then
			t = "no value"
		end
		error("bad argument #1 to '" .. name .. "' (" .. class .. " expected, got " .. t
			.. "; use self:" .. name .. ", not self." .. name .. ")", 3)
	end
end

-- check_transport raises the error of a method that writes or controls the
-- transport on a receiver that is not connected (before make_connection).
local function check_transport(self, name)
	if self.transport == nil then
		error(name .. ": not connected (self.transport is nil until make_connection)", 3)
	end
end

local function not_implemented(class, method)
	return function()
		error(class .. "." .. method .. " is not implemented: the subclass must define it", 0)
	end
end

local function named(base, name, fields)
	local cls = base:extend(fields)
	cls.class_name = name
	return cls
end

-- The producer methods LineReceiver and Int32StringReceiver share, after
-- Twisted's _PauseableMixin: while paused, received data is buffered and
-- not parsed.
local function add_producer_methods(cls)
	cls.paused = false

	function cls:pause_producing()
		check_self(self, "pause_producing", cls.class_name)
		check_transport(self, "pause_producing")
		self.paused = true
		self.transport:pause_producing()
	end

	function cls:resume_producing()
		check_self(self, "resume_producing", cls.class_name)
		check_transport(self, "resume_producing")
		self.paused = false
		self.transport:resume_producing()
		self:data_received("")
	end

	-- stop_producing ends the connection, as a TCP transport's
	-- stopProducing does in Twisted.
	function cls:stop_producing()
		check_self(self, "stop_producing", cls.class_name)
		check_transport(self, "stop_producing")
		self.paused = true
		self.transport:lose_connection()
	end
end

---------------------------------------------------------------------------
-- LineReceiver

local LineReceiver = named(protocol.Protocol, "LineReceiver", {
	delimiter = "\r\n",
	MAX_LENGTH = 16384,
	line_mode = true,
})
M.LineReceiver = LineReceiver
add_producer_methods(LineReceiver)

local function line_buffer(self)
	local b = rawget(self, "_line_buffer")
	if b == nil then
		b = new_buffer()
		b.busy = false
		self._line_buffer = b
		-- The parsing loop reads these after every line: on the instance
		-- they are found at once, not through the class chain.
		self.paused, self.line_mode = self.paused, self.line_mode
	end
	return b
end

-- A buffer is clean for a delimiter when it is known to hold no complete
-- delimiter; b.tail is then its last #delimiter-1 bytes, which is all a new
-- chunk must be checked with to know whether it completes a line.

-- defer queues a chunk of a line still incomplete and returns true, or
-- returns false when the chunk must be parsed (it may complete a line, or
-- the line is too long).
local function defer(self, b, data)
	local delim = self.delimiter
	if b.clean ~= delim or delim == "" then
		return false
	end
	local k = #delim - 1
	if find(data, delim, 1, true) then
		return false
	end
	local tail = b.tail
	if k > 0 and find(tail .. sub(data, 1, k), delim, 1, true) then
		return false
	end
	if b.size + #data >= self.MAX_LENGTH + #delim then
		return false
	end
	push(b, data)
	if k > 0 then
		if #data >= k then
			tail = "" .. sub(data, -k)
		else
			tail = sub(tail .. data, -k)
		end
	end
	b.clean, b.tail = delim, tail
	return true
end

-- deliver parses what is buffered until it is exhausted, the receiver is
-- paused, a callback returns a true value (which deliver returns, as
-- Twisted's dataReceived does) or the transport is disconnecting.
local function deliver(self, b)
	b.busy = true
	b.clean = nil
	local why
	while b.size > 0 and not self.paused do
		if self.line_mode then
			local delim = self.delimiter
			local head, pos = b.head, b.pos
			local s, e
			if delim ~= "" then
				s, e = find(head, delim, pos, true)
				if s == nil and b.n > 0 then
					flatten(b)
					head, pos = b.head, 1
					s, e = find(head, delim, 1, true)
				end
			else
				flatten(b)
				head, pos = b.head, b.pos
			end
			if s == nil then
				-- A buffer this long without a delimiter cannot end in a line
				-- of MAX_LENGTH bytes and the start of a delimiter.
				if b.size >= self.MAX_LENGTH + #delim then
					why = self:line_length_exceeded(take_all(b))
					break
				end
				local k = #delim - 1
				local tail = ""
				if k > 0 then
					tail = "" .. sub(head, k < b.size and -k or pos)
				end
				b.clean, b.tail = delim, tail
				break
			end
			local line = sub(head, pos, s - 1)
			b.pos, b.size = e + 1, b.size - (e - pos + 1)
			if s - pos > self.MAX_LENGTH then
				why = self:line_length_exceeded(line .. delim .. take_all(b))
				break
			end
			why = self:line_received(line)
			if why then
				break
			end
			local t = self.transport
			if t ~= nil and t.disconnecting then
				break
			end
		else
			why = self:raw_data_received(take_all(b))
			if why then
				break
			end
		end
	end
	settle(b)
	b.busy = false
	return why
end

function LineReceiver:data_received(data)
	check_self(self, "data_received", "LineReceiver")
	local b = line_buffer(self)
	if data ~= "" then
		if b.busy or self.paused then
			-- A call from inside one of our callbacks (set_line_mode's
			-- extra, resume_producing): the loop running parses it next.
			push(b, data)
			return
		end
		if self.line_mode and defer(self, b, data) then
			return
		end
		push(b, data)
	elseif b.busy then
		return
	end
	return deliver(self, b)
end

-- send_line writes line followed by the delimiter.
function LineReceiver:send_line(line)
	check_self(self, "send_line", "LineReceiver")
	line = check_data(line, "send_line")
	check_transport(self, "send_line")
	return self.transport:write(line .. self.delimiter)
end

-- set_raw_mode sends what follows (the rest of the buffer included) to
-- raw_data_received.
function LineReceiver:set_raw_mode()
	check_self(self, "set_raw_mode", "LineReceiver")
	self.line_mode = false
end

-- set_line_mode goes back to lines; extra (from raw_data_received: the part
-- of its data that is not raw) is parsed as lines, after what is buffered.
function LineReceiver:set_line_mode(extra)
	check_self(self, "set_line_mode", "LineReceiver")
	self.line_mode = true
	if extra ~= nil and extra ~= "" then
		return self:data_received(check_data(extra, "set_line_mode"))
	end
end

-- clear_line_buffer drops what is buffered and returns it.
function LineReceiver:clear_line_buffer()
	check_self(self, "clear_line_buffer", "LineReceiver")
	return take_all(line_buffer(self))
end

-- line_length_exceeded gets a line longer than MAX_LENGTH and what followed
-- it in the buffer (or, with no delimiter yet, everything buffered); by
-- default it closes the connection.
function LineReceiver:line_length_exceeded(line)
	return self.transport:lose_connection()
end

LineReceiver.line_received = not_implemented("LineReceiver", "line_received")
LineReceiver.raw_data_received = not_implemented("LineReceiver", "raw_data_received")

---------------------------------------------------------------------------
-- NetstringReceiver

local NetstringReceiver = named(protocol.Protocol, "NetstringReceiver", {
	MAX_LENGTH = 99999,
	broken_peer = false,
})
M.NetstringReceiver = NetstringReceiver

local COLON, COMMA, ZERO = byte(":"), byte(","), byte("0")

-- The longest length a netstring may state, in digits: beyond it a Lua
-- number no longer holds every integer exactly.
local MAX_DIGITS = 15

local function netstring_buffer(self)
	local b = rawget(self, "_netstring_buffer")
	if b == nil then
		b = new_buffer()
		b.busy = false
		self._netstring_buffer = b
	end
	return b
end

-- broken closes the connection for a malformed netstring: nothing more is
-- parsed from it.
local function broken(self, b)
	take_all(b)
	self.broken_peer = true
	self.transport:lose_connection()
end

-- The parse states: b.expect is nil while reading a length, else the size
-- of the payload and its comma.
local function parse_netstrings(self, b)
	b.busy = true
	while b.size > 0 do
		local expect = b.expect
		if expect == nil then
			-- A length and its colon are short: join them if they straddle
			-- the queued parts.
			if #b.head - b.pos < MAX_DIGITS + 1 then
				flatten(b)
			end
			local head, pos = b.head, b.pos
			local stop = find(head, "[^0-9]", pos)
			local digits = (stop or #head + 1) - pos
			if digits == 0 or (digits > 1 and byte(head, pos) == ZERO) or digits > MAX_DIGITS then
				broken(self, b)
				break
			end
			local length = tonumber(sub(head, pos, pos + digits - 1))
			if length > self.MAX_LENGTH then
				broken(self, b)
				break
			end
			if stop == nil then
				break -- the length goes on in the next chunk
			end
			if byte(head, stop) ~= COLON then
				broken(self, b)
				break
			end
			consume(b, digits + 1)
			b.expect = length + 1
		else
			if b.size < expect then
				break
			end
			if #b.head - b.pos + 1 < expect then
				flatten(b)
			end
			local head, pos = b.head, b.pos
			if byte(head, pos + expect - 1) ~= COMMA then
				broken(self, b)
				break
			end
			local s = sub(head, pos, pos + expect - 2)
			consume(b, expect)
			b.expect = nil
			self:string_received(s)
		end
	end
	settle(b)
	b.busy = false
end

function NetstringReceiver:data_received(data)
	check_self(self, "data_received", "NetstringReceiver")
	if self.broken_peer then
		return
	end
	local b = netstring_buffer(self)
	if data ~= "" then
		push(b, data)
	end
	if b.busy then
		return -- called from string_received: the running loop parses it
	end
	-- A payload still incomplete is only counted, not parsed.
	if b.expect ~= nil and b.size < b.expect then
		return
	end
	parse_netstrings(self, b)
end

-- send_string writes s as a netstring.
function NetstringReceiver:send_string(s)
	check_self(self, "send_string", "NetstringReceiver")
	s = check_data(s, "send_string")
	check_transport(self, "send_string")
	return self.transport:write(#s .. ":" .. s .. ",")
end

NetstringReceiver.string_received = not_implemented("NetstringReceiver", "string_received")

---------------------------------------------------------------------------
-- Int32StringReceiver

local Int32StringReceiver = named(protocol.Protocol, "Int32StringReceiver", {
	MAX_LENGTH = 99999,
})
M.Int32StringReceiver = Int32StringReceiver
add_producer_methods(Int32StringReceiver)

local function int32_buffer(self)
	local b = rawget(self, "_int32_buffer")
	if b == nil then
		b = new_buffer()
		b.busy = false
		self._int32_buffer = b
	end
	return b
end

local function parse_int32(self, b)
	b.busy = true
	while b.size >= 4 and not self.paused do
		if #b.head - b.pos + 1 < 4 then
			flatten(b)
		end
		local head, pos = b.head, b.pos
		local b1, b2, b3, b4 = byte(head, pos, pos + 3)
		local length = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
		if length > self.MAX_LENGTH then
			-- As Twisted: the data stays buffered.
			settle(b)
			b.busy = false
			return self:length_limit_exceeded(length)
		end
		if b.size < 4 + length then
			break
		end
		if #head - pos + 1 < 4 + length then
			flatten(b)
			head, pos = b.head, b.pos
		end
		local s = sub(head, pos + 4, pos + 3 + length)
		consume(b, 4 + length)
		self:string_received(s)
	end
	settle(b)
	b.busy = false
end

function Int32StringReceiver:data_received(data)
	check_self(self, "data_received", "Int32StringReceiver")
	local b = int32_buffer(self)
	if data ~= "" then
		push(b, data)
	end
	if b.busy or self.paused then
		return
	end
	return parse_int32(self, b)
end

-- send_string writes s after its length as 4 bytes, big-endian.
function Int32StringReceiver:send_string(s)
	check_self(self, "send_string", "Int32StringReceiver")
	s = check_data(s, "send_string")
	check_transport(self, "send_string")
	local n = #s
	if n >= 4294967296 then
		error("StringTooLongError: try to send " .. n .. " bytes whereas maximum is 4294967295", 2)
	end
	local prefix = char(floor(n / 16777216) % 256, floor(n / 65536) % 256, floor(n / 256) % 256, n % 256)
	return self.transport:write(prefix .. s)
end

-- length_limit_exceeded gets a length prefix above MAX_LENGTH; by default
-- it closes the connection.
function Int32StringReceiver:length_limit_exceeded(length)
	return self.transport:lose_connection()
end

Int32StringReceiver.string_received = not_implemented("Int32StringReceiver", "string_received")

return M
