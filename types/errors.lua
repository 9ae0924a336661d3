---@meta errors

---Reasons (Failures) and the error classes of twisted.internet.error, with
---Twisted's names, messages and hierarchy.
---
---```lua
---local errors = require("errors")
---local reason = errors.Failure(errors.ConnectionDone())
---assert(reason:check(errors.ConnectionLost) == nil)
---assert(reason:check(errors.ConnectionClosed) == errors.ConnectionClosed)
---print(reason:get_error_message())
---```
---@class errors
---The reason object every errback and `connection_lost` receives.
---@field Failure FailureClass
---The base of the closed-connection reasons.
---@field ConnectionClosed ErrorClass
---Connection was closed cleanly.
---@field ConnectionDone ErrorClass
---Connection to the other side was lost in a non-clean fashion.
---@field ConnectionLost ErrorClass
---Connection was aborted locally.
---@field ConnectionAborted ErrorClass
---An error occurred while connecting.
---@field ConnectError ErrorClass
---Couldn't bind the connect's bind_address.
---@field ConnectBindError ErrorClass
---Connection was refused by other side.
---@field ConnectionRefusedError ErrorClass
---User aborted connection.
---@field UserError ErrorClass
---User timeout caused connection failure (the connect timeout).
---@field TimeoutError ErrorClass
---DNS lookup failed.
---@field DNSLookupError ErrorClass
---A process has ended without apparent errors.
---@field ProcessDone ErrorClass
---A process has ended with a probable error condition (`exit_code`, `signal`).
---@field ProcessTerminated ErrorClass
---Couldn't listen (`errno`, `interface`, `port`).
---@field CannotListenError ErrorClass
---The process has already exited.
---@field ProcessExitedAlready ErrorClass
---No route to host.
---@field NoRouteError ErrorClass
---TCP connection timed out.
---@field TCPTimedOutError ErrorClass
---A datagram was too long.
---@field MessageLengthError ErrorClass
---An address is not valid for this operation.
---@field InvalidAddressError ErrorClass
---A reader's descriptor went away (-1 or closed).
---@field ConnectionFdescWentAway ErrorClass
local errors = {}

---Whether v is an error class.
---@param v any
---@return boolean
function errors.is_class(v) end

---The error class of an instance, nil for any other value.
---@param v any
---@return ErrorClass?
function errors.class_of(v) end

---Makes a class NAME below parent; its instances print as `NAME: message`
---(or the message alone when bare is true).
---@param name string
---@param parent? ErrorClass
---@param default_message? string
---@param bare? boolean
---@return ErrorClass
function errors.error_class(name, parent, default_message, bare) end

---Whether cls is want or below it; want is a class or a name.
---@param cls ErrorClass
---@param want ErrorClass|string
---@return boolean
function errors.is_a(cls, want) end

---Whether v is a Failure.
---@param v any
---@return boolean
function errors.is_failure(v) end

---An error class: calling it, `C(message)`, makes an instance.
---@class ErrorClass
---The class's name.
---@field name string
---The message of an instance made without one.
---@field default_message string?
---The parent class.
---@field parent ErrorClass?
---@overload fun(message?: string): ErrorValue

---An instance of an error class.
---@class ErrorValue: ErrorClass
---The message.
---@field message string

---The Failure class: `Failure(err [, traceback])` makes a Failure. It is
---the table of the methods its instances share.
---@class FailureClass: Failure
---@overload fun(err: any, traceback?: string): Failure

---A reason: an error value with its class name and traceback.
---@class Failure
---The class name (`"ConnectionDone"`), or a plain Lua error's Lua type.
---@field type string
---The error itself.
---@field value any
---The class name, "Failure".
---@field name string
local Failure = {}

---The first argument that matches along the class hierarchy, or nil.
---@param ... ErrorClass|string
---@return (ErrorClass|string)?
function Failure:check(...) end

---As `check`, but raises the Failure again when nothing matches.
---@param ... ErrorClass|string
---@return ErrorClass|string
function Failure:trap(...) end

---The error's message.
---@return string
function Failure:get_error_message() end

---The Lua traceback of where it was raised.
---@return string
function Failure:get_traceback() end

---Raises the Failure.
function Failure:raise() end

return errors
