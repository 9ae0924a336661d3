package tests

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// spinScript has a callback that never returns: the loop cannot get back
// to a graceful stop.
const spinScript = `local reactor = require("reactor")
local function spin()
  while true do end
end
reactor.call_when_running(function() print("spinning") end)
reactor.call_later(0, spin)
reactor.run()
`

// TestOneSignalEndsAStuckCallback: one SIGINT or SIGTERM while a callback
// is stuck ends loopscript after the stop grace, with 128+N and a line
// naming the callback; with --stop-grace 0 only a second signal does.
func TestOneSignalEndsAStuckCallback(t *testing.T) {
	t.Parallel()
	script := writeFile(t, "spin.lua", []byte(spinScript))
	stuck := fmt.Sprintf("callback function <%s:2> did not return within", script)
	cases := []struct {
		name    string
		flags   []string
		sig     syscall.Signal
		code    int
		message string // the whole of stderr
		second  bool   // one signal must not end it: send another
	}{
		{name: "SIGTERM, --stop-grace 1", flags: []string{"--stop-grace", "1"}, sig: syscall.SIGTERM, code: 143,
			message: "loopscript: SIGTERM: " + stuck + " 1s; exiting\n"},
		{name: "SIGINT, --stop-grace 0.5s", flags: []string{"--stop-grace", "500ms"}, sig: syscall.SIGINT, code: 130,
			message: "loopscript: SIGINT: " + stuck + " 500ms; exiting\n"},
		{name: "SIGTERM, the default grace", sig: syscall.SIGTERM, code: 143,
			message: "loopscript: SIGTERM: " + stuck + " 3s; exiting\n"},
		{name: "--stop-grace 0 waits for a second signal", flags: []string{"--stop-grace", "0"}, sig: syscall.SIGTERM, code: 143,
			second: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := start(t, "", append(c.flags, script)...)
			p.waitFor("spinning", 10*time.Second, func() bool { return p.stdout.String() == "spinning\n" })
			p.signal(c.sig)
			if c.second {
				time.Sleep(2 * time.Second)
				if p.exited() {
					t.Fatalf("one signal ended it despite --stop-grace 0\nstderr:\n%s", p.stderr)
				}
				p.signal(c.sig)
			}
			r := p.wait(20 * time.Second)
			var stderr []check
			if c.message != "" {
				stderr = []check{is(c.message)}
			}
			expect(t, r, c.code, []check{is("spinning\n")}, stderr)
		})
	}
}
