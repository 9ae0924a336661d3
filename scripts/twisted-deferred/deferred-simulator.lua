-- A Deferred simulator (twisted-deferred/deferred-simulator.py): reads
-- callback/errback pairs from standard input ("return VALUE", "fail
-- VALUE" or "passthru", abbreviated r/f/p), then draws the chain and how a
-- real Deferred with those callbacks runs, fired with d:callback and with
-- d:errback: a value followed by '*' is a Failure of Exception(value).
--
--   printf 'r good f bad\nf googly p\n\n' | loopscript scripts/twisted-deferred/deferred-simulator.lua
local optparse = dofile((arg[0]:match("^.*/") or "") .. "../lib/optparse.lua")
local defer = require("defer")

local parser = optparse.new{
  usage = [[
usage: %prog
A Deferred simulator. Use this to see how a particular
set of callbacks and errbacks will fire in a deferred.
]],
  options = {
    {name = "narrow", type = "flag", help = "draw all three chains in one column"},
  },
}

local options, args = parser:parse(arg)
if #args > 0 then
  parser:error("No arguments supported.")
end

local Exception = defer.error_class("Exception")
local BadInput = defer.error_class("BadInput")

local function is_failure(v)
  return getmetatable(v) == defer.Failure
end

-- center is Python's str.center: s in the middle of width, the odd space
-- on the left when width is odd, else on the right.
local function center(s, width)
  local margin = width - #s
  if margin <= 0 then
    return s
  end
  local left = math.floor(margin / 2)
  if margin % 2 == 1 and width % 2 == 1 then
    left = left + 1
  end
  return string.rep(" ", left) .. s .. string.rep(" ", margin - left)
end

-- An ascii screen.
local Screen = {}
Screen.__index = Screen

function Screen.new()
  return setmetatable({pixels = {}, width = 0, height = 0}, Screen)
end

function Screen:draw_char(x, y, char)
  local row = self.pixels[y]
  if row == nil then
    row = {}
    self.pixels[y] = row
  end
  row[x] = char
  self.width = math.max(self.width, x + 1)
  self.height = math.max(self.height, y + 1)
end

function Screen:draw_horiz_line(x, y, width)
  for i = 0, width - 1 do
    self:draw_char(x + i, y, "-")
  end
end

function Screen:draw_vert_line(x, y, height, end_arrow)
  for i = 0, height - 1 do
    self:draw_char(x, y + i, "|")
  end
  if end_arrow then
    self:draw_char(x - 1, y + height - 1, "\\")
    self:draw_char(x + 1, y + height - 1, "/")
  end
end

function Screen:draw_text(x, y, text)
  for i = 1, #text do
    self:draw_char(x + i - 1, y, text:sub(i, i))
  end
end

function Screen:clear()
  self.pixels, self.width, self.height = {}, 0, 0
end

function Screen:__tostring()
  local lines = {}
  for y = 0, self.height - 1 do
    local row = self.pixels[y] or {}
    local chars = {}
    for x = 0, self.width - 1 do
      chars[#chars + 1] = row[x] or " "
    end
    lines[#lines + 1] = table.concat(chars) .. "\n"
  end
  return table.concat(lines)
end

-- A widget representing a single callback or errback, of one of three
-- styles: return (returns its value), fail (returns a Failure of
-- Exception(value)), passthru (returns its argument unchanged). The
-- widget is also a callable that behaves according to its style.
local Callback = {height = 5}
Callback.__index = Callback

function Callback.new(style, value)
  return setmetatable({style = style, value = value, min_width = #"0123456*" + #"return " + 3}, Callback)
end

function Callback:__call(res)
  if self.style == "return" then
    return self.value
  elseif self.style == "fail" then
    return defer.Failure(Exception(self.value))
  end
  return res
end

function Callback:caption()
  if self.style == "passthru" then
    return "passthru"
  end
  return self.style .. " " .. self.value
end

function Callback:format_value(res)
  if is_failure(res) then
    return res.value.message .. "*"
  end
  return res
end

function Callback:draw_passive(screen, x, y, width)
  self:draw_box(screen, x, y, width)
  self:draw_text(screen, x, y + 2, width, self:caption())
end

function Callback:draw_active(screen, x, y, width, res)
  self:draw_box(screen, x, y, width)
  self:draw_text(screen, x, y + 1, width, self:format_value(res))
  self:draw_text(screen, x, y + 3, width, self:format_value(self(res)))
end

function Callback:draw_box(screen, x, y, width)
  screen:draw_horiz_line(x, y, width)
  screen:draw_horiz_line(x, y + 4, width)
  screen:draw_vert_line(x, y + 1, 3)
  screen:draw_vert_line(x + width - 1, y + 1, 3)
end

function Callback:draw_text(screen, x, y, width, text)
  screen:draw_text(x + 1, y, center(text, width - 2))
end

-- A widget for a deferred, made from a non-empty list of Callback pairs:
-- the callback chain of a Deferred.
local DeferredWidget = {}
DeferredWidget.__index = DeferredWidget

function DeferredWidget.new(pairs)
  assert(#pairs > 0)
  local callback_width = 0
  for _, pair in ipairs(pairs) do
    callback_width = math.max(callback_width, pair[1].min_width, pair[2].min_width)
  end
  return setmetatable({
    pairs = pairs,
    callback_width = callback_width,
    width = callback_width * 2 + 2,
    height = Callback.height * #pairs + 3 * (#pairs - 1),
  }, DeferredWidget)
end

-- draw draws the callback/errback chain on screen at x, y.
function DeferredWidget:draw(screen, x, y)
  for _, pair in ipairs(self.pairs) do
    pair[1]:draw_passive(screen, x, y, self.callback_width)
    pair[2]:draw_passive(screen, x + self.callback_width + 2, y, self.callback_width)
    y = y + Callback.height + 3
  end
end

-- A widget for a fired deferred: a DeferredWidget and the method
-- ("callback" or "errback") to draw the firing sequence for.
local FiredDeferred = {callback_y_offset = 4}
FiredDeferred.__index = FiredDeferred

function FiredDeferred.new(deferred, method)
  return setmetatable({deferred = deferred, method = method, height = deferred.height + 8, width = deferred.width},
    FiredDeferred)
end

function FiredDeferred:draw(screen, x, y, result)
  result = result or "initial"
  local d = self:make_drawing_deferred(screen, x, y)
  if self.method == "callback" then
    d:callback(result)
  else
    d:errback(Exception(result))
  end
end

-- make_drawing_deferred returns a new Deferred that, when fired, draws its
-- firing sequence on screen at x, y.
function FiredDeferred:make_drawing_deferred(screen, x, y)
  local callback_width = self.deferred.callback_width
  local half = math.floor(callback_width / 2)

  local callback_mid_x = x - 1 + half

  local errback_left_x = x + callback_width + 2
  local errback_mid_x = errback_left_x - 1 + half

  local state = {last_x = nil, last_y = nil}

  local function draw_connection(to_x)
    if state.last_x == to_x then
      screen:draw_vert_line(to_x - 1 + half, state.last_y - 3, 3, true)
      return
    end
    if state.last_x < to_x then
      screen:draw_vert_line(callback_mid_x, state.last_y - 3, 2)
      screen:draw_vert_line(errback_mid_x, state.last_y - 2, 2, true)
    else
      screen:draw_vert_line(errback_mid_x, state.last_y - 3, 2)
      screen:draw_vert_line(callback_mid_x, state.last_y - 2, 2, true)
    end
    screen:draw_horiz_line(callback_mid_x + 1, state.last_y - 2, errback_mid_x - callback_mid_x - 1)
  end

  local function wrap_callback(cb, at_x)
    return function(res)
      cb:draw_active(screen, at_x, state.last_y, callback_width, res)
      draw_connection(at_x)
      state.last_x = at_x
      state.last_y = state.last_y + cb.height + 3
      return cb(res)
    end
  end

  local function draw_value(res, at_y)
    if is_failure(res) then
      local text = center(res.value.message .. "*", callback_width + 20)
      screen:draw_text(errback_left_x - 10, at_y, text)
    else
      screen:draw_text(x, at_y, center(res, callback_width))
    end
  end

  local function draw_start(res)
    draw_value(res, y)
    if is_failure(res) then
      state.last_x = errback_left_x
    else
      state.last_x = x
    end
    state.last_y = y + 4
    return res
  end

  local function draw_end(res)
    draw_value(res, state.last_y)
    if is_failure(res) then
      draw_connection(errback_left_x)
    else
      draw_connection(x)
    end
  end

  local d = defer.Deferred()

  d:add_both(draw_start)

  for _, pair in ipairs(self.deferred.pairs) do
    d:add_callbacks(wrap_callback(pair[1], x), wrap_callback(pair[2], errback_left_x))
  end

  d:add_both(draw_end)

  return d
end

-- get_next_pair reads the next callback/errback pair: nil at a blank
-- line; at the end of the input the program exits.
local function get_next_pair()
  local line = io.read("*l")
  if line == nil then
    os.exit(0)
  end
  if line == "" then
    return nil
  end

  local parts = {}
  for word in line:gmatch("%S+") do
    parts[#parts + 1] = word
  end

  local function get_cb()
    if #parts == 0 then
      error(BadInput("missing command"))
    end
    local cmd = table.remove(parts, 1):lower()
    local found
    for _, command in ipairs({"return", "fail", "passthru"}) do
      if command:sub(1, #cmd) == cmd then
        found = command
        break
      end
    end
    if not found then
      error(BadInput("bad command: " .. cmd))
    end
    if found == "return" or found == "fail" then
      if #parts == 0 then
        error(BadInput("missing argument"))
      end
      local result = table.remove(parts, 1)
      if #result > 6 then
        error(BadInput("result more than 6 chars long: " .. result))
      end
      return Callback.new(found, result)
    end
    return Callback.new(found)
  end

  local callback = get_cb()
  local errback = get_cb()

  if #parts > 0 then
    error(BadInput("extra arguments"))
  end

  return {callback, errback}
end

-- get_pairs reads the list of callback/errback pairs from the user, as
-- Callback widgets.
local function get_pairs()
  print([[
Enter a list of callback/errback pairs in the form:

  CALLBACK ERRBACK

Where CALLBACK and ERRBACK are one of:

  return VALUE
  fail VALUE
  passthru

And where VALUE is a string of only letters and numbers (no spaces),
no more than 6 characters long.

Each pair should be on a single line and you can abbreviate
return/fail/passthru as r/f/p.

Examples:

  r good f bad  # callback returns 'good'
                # and errback raises Exception('bad')

  f googly p    # callback raises Exception('googly')
                # and errback passes its failure along

Enter a blank line when you are done, and a diagram of the deferred
will be printed next to the firing patterns for both the callback()
and errback() methods. In the diagram, a value followed by '*' is
really an Exception wrapped in a Failure, i.e:

  value* == Failure(Exception(value))

You will want to make your terminal as wide as possible.
]])

  local pairs = {}
  while true do
    local ok, pair = pcall(get_next_pair)
    if not ok then
      if getmetatable(pair) ~= BadInput then
        error(pair, 0)
      end
      print("ERROR: " .. pair.message)
    elseif pair == nil then
      if #pairs > 0 then
        break
      end
      print("You must enter at least one pair.")
    else
      pairs[#pairs + 1] = pair
    end
  end
  return pairs
end

local function draw_single_column(d, callback, errback)
  local screen = Screen.new()

  screen:draw_text(0, 1, center("Deferred", d.width))
  screen:draw_text(0, 2, center("--------", d.width))

  d:draw(screen, 0, 4)

  print(screen)

  screen:clear()

  screen:draw_text(0, 2, center("d.callback(initial)", d.width))
  screen:draw_text(0, 3, center("-------------------", d.width))

  callback:draw(screen, 0, 5)

  print(screen)

  screen:clear()

  screen:draw_text(0, 2, center("d.errback(initial*)", d.width))
  screen:draw_text(0, 3, center("-------------------", d.width))

  errback:draw(screen, 0, 5)

  print(screen)
end

local function draw_multi_column(d, callback, errback)
  local screen = Screen.new()

  screen:draw_text(0, 0, center("Deferred", d.width))
  screen:draw_text(0, 1, center("--------", d.width))

  screen:draw_text(d.width + 6, 0, center("d.callback(initial)", d.width))
  screen:draw_text(d.width + 6, 1, center("-------------------", d.width))

  screen:draw_text(2 * (d.width + 6), 0, center("d.errback(initial*)", d.width))
  screen:draw_text(2 * (d.width + 6), 1, center("-------------------", d.width))

  d:draw(screen, 0, callback.callback_y_offset + 3)
  callback:draw(screen, d.width + 6, 3)
  errback:draw(screen, 2 * (d.width + 6), 3)

  screen:draw_vert_line(d.width + 3, 3, callback.height)
  screen:draw_vert_line(d.width + 3 + d.width + 6, 3, callback.height)

  print(screen)
end

local function main()
  local d = DeferredWidget.new(get_pairs())
  local callback = FiredDeferred.new(d, "callback")
  local errback = FiredDeferred.new(d, "errback")

  if options.narrow then
    draw_single_column(d, callback, errback)
  else
    draw_multi_column(d, callback, errback)
  end
end

main()
