---@meta socket

---luasocket's TCP subset, on the reactor's descriptors.
---
---```lua
---local socket = require("socket")
---local server = assert(socket.bind("127.0.0.1", 0))
---local _, port = server:getsockname()
---local client = assert(socket.connect("127.0.0.1", port))
---local conn = assert(server:accept())
---client:send("ping\n")
---assert(conn:receive("*l") == "ping")
---client:close()
---conn:close()
---server:close()
---```
---@class socket
---The version string, as luasocket's.
---@field _VERSION string
local socket = {}

---A new TCP socket (IPv4, made again as IPv6 by an IPv6 connect or bind).
---@return TCPSocket? sock
---@return string? err
function socket.tcp() end

---A new IPv4 TCP socket.
---@return TCPSocket? sock
---@return string? err
function socket.tcp4() end

---A new IPv6 TCP socket.
---@return TCPSocket? sock
---@return string? err
function socket.tcp6() end

---A socket connected to host:port (blocking).
---@param host string
---@param port integer
---@return TCPSocket? sock
---@return string? err
function socket.connect(host, port) end

---A socket listening on host:port.
---@param host string
---@param port integer
---@param backlog? integer
---@return TCPSocket? sock
---@return string? err
function socket.bind(host, port, backlog) end

---Waits until sockets are readable or writable.
---@param recvt TCPSocket[]?
---@param sendt TCPSocket[]?
---@param timeout? number
---@return TCPSocket[] readable
---@return TCPSocket[] writable
---@return string? err
function socket.select(recvt, sendt, timeout) end

---The wall-clock time in seconds.
---@return number
function socket.gettime() end

---A luasocket TCP socket.
---@class TCPSocket
local TCPSocket = {}

---Connects (blocking unless the timeout is 0).
---@param host string
---@param port integer
---@return integer? ok
---@return string? err
function TCPSocket:connect(host, port) end

---Binds to host:port.
---@param host string
---@param port integer
---@return integer? ok
---@return string? err
function TCPSocket:bind(host, port) end

---Listens (backlog 32 by default).
---@param backlog? integer
---@return integer? ok
---@return string? err
function TCPSocket:listen(backlog) end

---Accepts a connection.
---@return TCPSocket? client
---@return string? err
function TCPSocket:accept() end

---0: never wait; nil or negative: wait for ever; positive: at most t seconds.
---@param t number?
---@param mode? "b"|"t"
function TCPSocket:settimeout(t, mode) end

---Receives a line, everything, or n bytes.
---@param pattern? "*l"|"*a"|integer
---@param prefix? string
---@return string? data
---@return string? err "timeout", "closed" or a message
---@return string? partial
function TCPSocket:receive(pattern, prefix) end

---Sends data[i..j]; returns the last index sent.
---@param data string
---@param i? integer
---@param j? integer
---@return integer? last
---@return string? err
---@return integer? last_sent
function TCPSocket:send(data, i, j) end

---Closes the socket and drops the reactor's watch of it.
function TCPSocket:close() end

---The descriptor, -1 once closed.
---@return integer
function TCPSocket:getfd() end

---The descriptor, -1 once closed.
---@return integer
function TCPSocket:fileno() end

---The peer's address.
---@return string ip
---@return integer port
---@return "inet"|"inet6" family
function TCPSocket:getpeername() end

---The local address.
---@return string ip
---@return integer port
---@return "inet"|"inet6" family
function TCPSocket:getsockname() end

---Shuts down one or both directions.
---@param how? "both"|"send"|"receive"
---@return integer
function TCPSocket:shutdown(how) end

---Sets an option ("tcp-nodelay", "keepalive", "reuseaddr", "reuseport", "linger", "ipv6-v6only").
---@param name string
---@param value any
---@return integer? ok
---@return string? err
function TCPSocket:setoption(name, value) end

---Reads an option.
---@param name string
---@return any
function TCPSocket:getoption(name) end

---Whether data is buffered.
---@return boolean
function TCPSocket:dirty() end

---Bytes received, bytes sent, age in seconds.
---@return integer received
---@return integer sent
---@return number age
function TCPSocket:getstats() end

---"inet" or "inet6".
---@return string
function TCPSocket:getfamily() end

return socket
