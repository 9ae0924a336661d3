module github.com/loopscript/loopscript

go 1.26.8

require (
	github.com/creack/pty v1.1.24
	github.com/yuin/gopher-lua v1.1.2
	golang.org/x/sys v0.50.0
	golang.org/x/term v0.48.0
)
