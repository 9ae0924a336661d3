package reactor

import (
	"bytes"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// stringProto is a StringReceiver that keeps every string it gets.
type stringProto struct {
	testProto
	got []string
}

func (p *stringProto) StringReceived(data string) { p.got = append(p.got, data) }

// TestStringReceiverTakesLargeReadsWithoutCopy: a read of handOverMin bytes
// or more reaches a StringReceiver as the very memory it was read into (no
// copy), a shorter one as a copy; and every string kept stays as it was
// read while later reads go on (the reactor never writes to memory it
// handed over). Before, each read was copied into a new string.
func TestStringReceiverTakesLargeReadsWithoutCopy(t *testing.T) {
	tests := []struct {
		name      string
		size      int
		handedOut bool
	}{
		{"small", 100, false},
		{"just under", handOverMin - 1, false},
		{"at the line", handOverMin, true},
		{"full buffer", readBufferSize, true},
	}
	r, _ := newTestReactor(t, Config{})
	fds := nonblockingPair(t)
	defer unix.Close(fds[1])
	p := &stringProto{}
	tr := newStreamTransport(r, fds[0], false, nil, nil, p, nil)
	var sent [][]byte
	for round := range 3 {
		for _, tt := range tests {
			data := bytes.Repeat([]byte{byte('a' + len(sent)%26)}, tt.size)
			if n, err := unix.Write(fds[1], data); err != nil || n != len(data) {
				t.Fatalf("%s: write %d of %d bytes: %v", tt.name, n, len(data), err)
			}
			readInto := unsafe.SliceData(r.stringReadBuffer())
			if err := tr.DoRead(); err != nil {
				t.Fatalf("%s: DoRead: %v", tt.name, err)
			}
			sent = append(sent, data)
			s := p.got[len(p.got)-1]
			if s != string(data) {
				t.Fatalf("%s: got %d bytes, want %d", tt.name, len(s), len(data))
			}
			if handedOut := unsafe.StringData(s) == readInto; handedOut != tt.handedOut {
				t.Errorf("round %d, %s (%d bytes): the read buffer handed out as the string: %v, want %v",
					round, tt.name, tt.size, handedOut, tt.handedOut)
			}
		}
	}
	for i, s := range p.got {
		if s != string(sent[i]) {
			t.Errorf("string %d (%d bytes) changed after later reads", i, len(s))
		}
	}
	tr.ConnectionLost(ErrConnectionDone)
}
