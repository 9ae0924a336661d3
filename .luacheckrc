-- luacheck configuration for loopscript: `luacheck scripts/ types/`.
std = "lua51"

-- Callbacks keep their full signatures (connection_lost(reason), errbacks'
-- failure) even when a body ignores an argument: that is the API they
-- override, so unused arguments are not warnings.
unused_args = false

-- The globals `loopscript test` defines for *_test.lua files (luatest/).
files["**/*_test.lua"] = {
	read_globals = {
		"test", "expect_output", "assert_eq", "flush_errors",
		"before_each", "after_each", "assert_failure",
	},
}

-- Tutorial ports whose slips are the lesson.
files["scripts/basic-twisted/log.lua"] = {
	-- xxx.yyy is the deliberate error the example logs; the inner failure
	-- shadows the outer one as in Twisted's log.py example.
	ignore = {"113/xxx", "431/failure"},
}
files["scripts/twisted-failure/failure-examples.lua"] = {
	-- ok names xpcall's first result for the reader; the example prints the
	-- failure whatever it is.
	ignore = {"231/ok"},
}

-- The stubs declare, they do not run: a class's local table only carries its
-- `function Class:method() end` declarations for lua-language-server.
files["types/"] = {
	ignore = {"241"},
}
