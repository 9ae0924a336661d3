package luabind_test

import (
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/host"
)

// Under a host.Sandbox the utils functions refuse at the call, naming the
// function the script called; the endpoints, as Twisted's, turn the
// refusal into their Deferred's failure, naming their method.
func TestUtilsAndEndpointsSandbox(t *testing.T) {
	const code = `local utils, endpoints, reactor, protocol = require("utils"), require("endpoints"), require("reactor"), require("protocol")
print(pcall(function() local d = utils.get_process_output("/bin/echo", {"x"}) return d end))
print(pcall(function() local d = utils.get_process_value("/bin/true") return d end))
print(pcall(function() local d = utils.get_process_output_and_value("/bin/true") return d end))
endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", 9):connect(protocol.ClientFactory()):add_errback(function(f) print(f:get_error_message()) end)
endpoints.TCP4ServerEndpoint(reactor, 0):listen(protocol.ServerFactory()):add_errback(function(f) print(f:get_error_message()) end)`
	const want = "false\tsb.lua:2: get_process_output: not allowed in the sandbox (process)\n" +
		"false\tsb.lua:3: get_process_value: not allowed in the sandbox (process)\n" +
		"false\tsb.lua:4: get_process_output_and_value: not allowed in the sandbox (process)\n" +
		"connect: not allowed in the sandbox (network)\n" +
		"listen: not allowed in the sandbox (network)\n"
	var out strings.Builder
	h, err := host.New(host.Options{Stdout: &out, Sandbox: &host.Sandbox{}, MaxRunTime: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := h.RunString("sb.lua", code); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
