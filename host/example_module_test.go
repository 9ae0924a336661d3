package host_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/loopscript/loopscript/host"
	lua "github.com/yuin/gopher-lua"
)

// httpModule is require("http"): http.get(url) returns a Deferred of the
// body, fetched with net/http on a goroutine of its own.
type httpModule struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // the requests under way
}

var _ host.ModuleCloser = (*httpModule)(nil)

func (m *httpModule) Open(env *host.Env) (lua.LValue, error) {
	m.ctx, m.cancel = context.WithCancel(context.Background())
	L := env.LState()
	mod := L.NewTable()
	mod.RawSetString("get", L.NewFunction(func(L *lua.LState) int {
		url := L.CheckString(1)
		// The Deferred counts as pending work until fired: the reactor
		// knows a result is still to come.
		d, err := env.NewDeferred()
		if err != nil {
			L.RaiseError("get: %v", err)
		}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			body, err := m.get(url)
			if err != nil {
				d.Reject(err) // fires d:errback through the loop
				return
			}
			d.Resolve(lua.LString(body)) // fires d:callback through the loop
		}()
		L.Push(d.Value)
		return 1
	}))
	return mod, nil
}

func (m *httpModule) get(url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(m.ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// Close cancels the requests still under way and waits for their
// goroutines, so none outlives the host.
func (m *httpModule) Close() error {
	m.cancel()
	m.wg.Wait()
	return nil
}

// A Module that does Go work on a goroutine and hands the script a
// Deferred, fired from that goroutine through the loop.
func ExampleEnv_NewDeferred() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/poem" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, "Ho, ho, ho, it's off to work we go")
	}))
	defer srv.Close()

	h, _ := host.New(host.Options{Modules: map[string]host.Module{"http": &httpModule{}}})
	defer h.Close()
	err := h.RunString("fetch.lua", `
		local base = ...
		local reactor = require("reactor")
		local http = require("http")
		local function show(d)
			return d:add_callbacks(
				function(body) print("got: " .. body) end,
				function(f) print("failed: " .. f:get_error_message()) end)
		end
		show(http.get(base .. "/poem")):add_callback(function()
			return show(http.get(base .. "/missing"))
		end):add_both(function() reactor.stop() end)
		reactor.run()`, srv.URL)
	fmt.Println("error:", err)
	// Output:
	// got: Ho, ho, ho, it's off to work we go
	// failed: HTTP 404 Not Found
	// error: <nil>
}

// counterModule is require("counter"): one count per host, whatever the
// number of requires, reported when the host closes.
type counterModule struct{ n int }

func (m *counterModule) Open(env *host.Env) (lua.LValue, error) {
	L := env.LState()
	return L.NewFunction(func(L *lua.LState) int {
		m.n++
		L.Push(lua.LNumber(m.n))
		return 1
	}), nil
}

func (m *counterModule) Close() error {
	fmt.Println("closed after", m.n)
	return nil
}

// A Module is opened on its first require, once per host, and closed with
// the host.
func ExampleHost_AddModule() {
	h, _ := host.New(host.Options{})
	h.AddModule("counter", &counterModule{})
	h.RunString("main.lua", `print(require("counter")(), require("counter")())`)
	h.RunString("again.lua", `print(require("counter")())`)
	h.Close()
	// Output:
	// 1	2
	// 3
	// closed after 3
}
