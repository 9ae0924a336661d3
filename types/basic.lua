---@meta basic

---Framing on top of a stream protocol, as Twisted's twisted.protocols.basic:
---extend a class and define the method that receives what it parses.
---
---```lua
---local basic, testing = require("basic"), require("testing")
---local Shout = basic.LineReceiver:extend()
---function Shout:line_received(line)
---  self:send_line(line:upper())
---end
---local proto, transport = Shout(), testing.StringTransport()
---proto:make_connection(transport)
---proto:data_received("hello\r\nwor") -- lines arrive in any pieces
---proto:data_received("ld\r\n")
---assert(transport:value() == "HELLO\r\nWORLD\r\n")
---```
---@class basic
---Lines: `line_received(line)` for each line.
---@field LineReceiver LineReceiver
---Netstrings: `string_received(s)` for each `LEN:DATA,`.
---@field NetstringReceiver NetstringReceiver
---Strings with a 4-byte big-endian length prefix.
---@field Int32StringReceiver Int32StringReceiver
local basic = {}

---A Protocol that splits its data into lines.
---@class LineReceiver: Protocol
---The line delimiter (`"\r\n"`).
---@field delimiter string
---The longest line accepted (16384).
---@field MAX_LENGTH integer
---`true` in line mode, `false` in raw mode.
---@field line_mode boolean
---`true` while paused by `pause_producing`.
---@field paused boolean
local LineReceiver = {}

---A line arrived (the delimiter removed); a true result leaves the rest of the buffer for the next chunk.
---@param line string
---@return any
function LineReceiver:line_received(line) end

---Writes `line .. delimiter`.
---@param line string
function LineReceiver:send_line(line) end

---A line was longer than MAX_LENGTH; closes the connection by default.
---@param data string the line and what followed it in the buffer
function LineReceiver:line_length_exceeded(data) end

---Sends what follows, the rest of the buffer included, to `raw_data_received`.
function LineReceiver:set_raw_mode() end

---Goes back to lines and parses `extra` as lines.
---@param extra? string
function LineReceiver:set_line_mode(extra) end

---Raw data in raw mode; override it.
---@param data string
function LineReceiver:raw_data_received(data) end

---Drops the buffer and returns it.
---@return string
function LineReceiver:clear_line_buffer() end

---Holds the lines (and pauses the transport) until resumed.
function LineReceiver:pause_producing() end

---Delivers the held lines and resumes the transport.
function LineReceiver:resume_producing() end

---Closes the connection.
function LineReceiver:stop_producing() end

---A Protocol that parses netstrings.
---@class NetstringReceiver: Protocol
---The longest string accepted (99999).
---@field MAX_LENGTH integer
---`true` once a malformed or too long netstring closed the connection.
---@field broken_peer boolean
local NetstringReceiver = {}

---A string arrived; override it.
---@param s string
function NetstringReceiver:string_received(s) end

---Writes `s` as a netstring.
---@param s string
function NetstringReceiver:send_string(s) end

---A Protocol that parses strings with a 4-byte big-endian length prefix.
---@class Int32StringReceiver: Protocol
---The longest string accepted.
---@field MAX_LENGTH integer
---`true` while paused by `pause_producing`.
---@field paused boolean
local Int32StringReceiver = {}

---A string arrived; override it.
---@param s string
function Int32StringReceiver:string_received(s) end

---Writes `s` with its length prefix.
---@param s string
function Int32StringReceiver:send_string(s) end

---A prefix announced more than MAX_LENGTH; closes the connection by default.
---@param length integer
function Int32StringReceiver:length_limit_exceeded(length) end

---Holds the strings (and pauses the transport) until resumed.
function Int32StringReceiver:pause_producing() end

---Delivers the held strings and resumes the transport.
function Int32StringReceiver:resume_producing() end

---Closes the connection.
function Int32StringReceiver:stop_producing() end

return basic
