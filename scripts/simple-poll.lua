-- simple.lua on the poll reactor (basic-twisted/simple-poll.py): a reactor
-- other than the default must be installed before the first require("reactor").
-- Sits idle until Ctrl-C.
require("pollreactor").install()

local reactor = require("reactor")
reactor.run()
