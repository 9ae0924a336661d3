package repl

import (
	"io"
	"sync/atomic"
)

// Keys the pump puts in place of Ctrl-C at the prompt: x/term's ReadLine
// ends on Ctrl-C as on Ctrl-D (io.EOF, the line kept), so the pump turns it
// into a key x/term hands to the completion callback (which marks the line
// interrupted) followed by Enter, which ends ReadLine.
const (
	keyCtrlC     = 3
	keyInterrupt = 0x1c // ^\, which x/term does not use
	keyEnter     = '\r'
)

// keyPump reads the terminal on a goroutine of its own, for ever, so that
// Ctrl-C is seen while a chunk runs (when nothing reads lines). It is the
// reader x/term's Terminal reads keys from.
type keyPump struct {
	src        io.Reader
	chunks     chan []byte
	rest       []byte
	err        error
	running    atomic.Bool   // a chunk runs: Ctrl-C interrupts it
	interrupts chan struct{} // Ctrl-C while a chunk runs
}

func newKeyPump(src io.Reader) *keyPump {
	return &keyPump{src: src, chunks: make(chan []byte, 16), interrupts: make(chan struct{}, 1)}
}

func (p *keyPump) start() { go p.pump() }

func (p *keyPump) setRunning(on bool) {
	p.running.Store(on)
	if !on {
		select { // a Ctrl-C that came as the chunk ended is for nobody
		case <-p.interrupts:
		default:
		}
	}
}

func (p *keyPump) pump() {
	buf := make([]byte, 256)
	for {
		n, err := p.src.Read(buf)
		var keys []byte
		for _, b := range buf[:n] {
			switch {
			case b != keyCtrlC:
				keys = append(keys, b)
			case p.running.Load():
				select {
				case p.interrupts <- struct{}{}:
				default:
				}
			default:
				keys = append(keys, keyInterrupt, keyEnter)
			}
		}
		if len(keys) > 0 {
			p.chunks <- keys
		}
		if err != nil {
			p.err = err
			close(p.chunks)
			return
		}
	}
}

// Read returns the keys typed, waiting for some.
func (p *keyPump) Read(b []byte) (int, error) {
	if len(p.rest) == 0 {
		keys, ok := <-p.chunks
		if !ok {
			return 0, p.err
		}
		p.rest = keys
	}
	n := copy(b, p.rest)
	p.rest = p.rest[n:]
	return n, nil
}
