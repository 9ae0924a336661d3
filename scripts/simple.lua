-- The simplest reactor program (Twisted's basic-twisted/simple.py): start the
-- loop and do nothing. It waits for events that never come, using no CPU,
-- until you press Ctrl-C.
local reactor = require("reactor")
reactor.run()
