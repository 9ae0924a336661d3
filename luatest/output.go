package luatest

import (
	"fmt"
	"io"
	"strings"

	"github.com/loopscript/loopscript/reactor"
)

// outputStack is print's writer in a test: writes go to the writer on top,
// so expect_output can capture what a function prints, even when it nests.
// all keeps everything, wherever it went, for the report of a test cut
// short inside expect_output.
type outputStack struct {
	stack []io.Writer
	all   strings.Builder
}

func (o *outputStack) push(w io.Writer) { o.stack = append(o.stack, w) }
func (o *outputStack) pop()             { o.stack = o.stack[:len(o.stack)-1] }

func (o *outputStack) Write(p []byte) (int, error) {
	o.all.Write(p)
	return o.stack[len(o.stack)-1].Write(p)
}

// timeStamper prefixes each line written through it with the clock's time
// when the line began, as the trace does: "[   1.000] 4 ...".
type timeStamper struct {
	w           io.Writer
	clock       reactor.Clock
	atLineStart bool
}

func (t *timeStamper) Write(p []byte) (int, error) {
	for i := 0; i < len(p); {
		if t.atLineStart {
			if _, err := fmt.Fprintf(t.w, "[%8.3f] ", t.clock.Now().Seconds()); err != nil {
				return i, err
			}
			t.atLineStart = false
		}
		end := len(p)
		for j := i; j < len(p); j++ {
			if p[j] == '\n' {
				end = j + 1
				t.atLineStart = true
				break
			}
		}
		if _, err := t.w.Write(p[i:end]); err != nil {
			return i, err
		}
		i = end
	}
	return len(p), nil
}
