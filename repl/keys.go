package repl

import (
	"io"
	"sync"
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
//
// A Ctrl-C belongs to the chunk running when it is typed, or to the first
// chunk to run after it, if it was typed ahead before x/term read it: a user
// who typed a line and then Ctrl-C means the chunk the line started, even if
// the keys came faster than the chunk could start.
type keyPump struct {
	src io.Reader

	mu      sync.Mutex
	ready   *sync.Cond // keys came, or the terminal went away
	queue   []byte     // keys not yet read by x/term, Ctrl-C as typed
	err     error      // why the terminal can no longer be read
	running bool       // a chunk runs: Ctrl-C interrupts it

	interrupts chan struct{} // Ctrl-C while a chunk runs
}

func newKeyPump(src io.Reader) *keyPump {
	p := &keyPump{src: src, interrupts: make(chan struct{}, 1)}
	p.ready = sync.NewCond(&p.mu)
	return p
}

func (p *keyPump) start() { go p.pump() }

// setRunning says whether a chunk runs. As one starts, a Ctrl-C still
// waiting in the queue is taken for it; as it ends, a Ctrl-C that came too
// late to interrupt it goes to the prompt, as if typed there.
func (p *keyPump) setRunning(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running = on
	if !on {
		select {
		case <-p.interrupts:
			p.queue = append([]byte{keyCtrlC}, p.queue...)
			p.ready.Broadcast()
		default:
		}
		return
	}
	kept := p.queue[:0]
	for _, b := range p.queue {
		if b == keyCtrlC {
			p.interrupt()
			continue
		}
		kept = append(kept, b)
	}
	p.queue = kept
}

// interrupt tells the chunk running of a Ctrl-C; one waiting is enough.
func (p *keyPump) interrupt() {
	select {
	case p.interrupts <- struct{}{}:
	default:
	}
}

func (p *keyPump) pump() {
	buf := make([]byte, 256)
	for {
		n, err := p.src.Read(buf)
		p.mu.Lock()
		for _, b := range buf[:n] {
			if b == keyCtrlC && p.running {
				p.interrupt()
				continue
			}
			p.queue = append(p.queue, b)
		}
		if err != nil {
			p.err = err
		}
		p.ready.Broadcast()
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Read returns the keys typed, waiting for some, with each Ctrl-C made
// keyInterrupt and Enter.
func (p *keyPump) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.queue) == 0 && p.err == nil {
		p.ready.Wait()
	}
	if len(p.queue) == 0 {
		return 0, p.err
	}
	n, used := 0, 0
	for _, k := range p.queue {
		if k == keyCtrlC {
			if n+2 > len(b) {
				break
			}
			b[n], b[n+1] = keyInterrupt, keyEnter
			n += 2
		} else {
			if n+1 > len(b) {
				break
			}
			b[n] = k
			n++
		}
		used++
	}
	p.queue = p.queue[used:]
	return n, nil
}
