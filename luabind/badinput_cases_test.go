package luabind

import (
	"strings"
	"testing"
)

// badInputPrelude defines try(f, ...), which prints what pcall(f, ...)
// raised without its position ("test.lua:3: "), or "ok" and the results
// (addresses written ADDR).
// Positions inside the test chunk change with the prelude; the message is
// what these tests pin.
const badInputPrelude = `local function try(f, ...)
  local r = {pcall(f, ...)}
  if r[1] then
    local out = {"ok"}
    for i = 2, #r do out[#out + 1] = tostring(r[i]) end
    print((table.concat(out, " "):gsub("0x%x+", "ADDR")))
  else
    print((tostring(r[2]):gsub("^[^:\n]*:%d+: ", "")))
  end
end; `

// badInputCase is a chunk and the exact output it must print; no error may
// reach the chunk's caller, and reports lists a substring of each callback
// error reported, in order.
type badInputCase struct {
	name, code, want string
	reports          []string
}

// runBadInputCases runs each case on the real clock (sockets, children),
// with the prelude of the TCP tests and try.
func runBadInputCases(t *testing.T, tests []badInputCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runLuaNet(t, badInputPrelude+tc.code)
			if res.err != nil {
				t.Fatalf("error: %v\noutput:\n%s\nreports:\n%s", res.err, res.out, res.reportText())
			}
			if res.out != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s\nreports:\n%s", res.out, tc.want, res.reportText())
			}
			if len(res.reports) != len(tc.reports) {
				t.Fatalf("%d reports, want %d:\n%s", len(res.reports), len(tc.reports), res.reportText())
			}
			for i, want := range tc.reports {
				if got := res.reports[i].Report(); !strings.Contains(got, want) {
					t.Errorf("report %d:\n%s\nwant it to contain %q", i+1, got, want)
				}
			}
		})
	}
}
