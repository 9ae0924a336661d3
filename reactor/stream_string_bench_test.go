package reactor

import (
	"testing"

	"golang.org/x/sys/unix"
)

// copyProto is a Protocol that keeps a copy of each read, as a Lua
// binding's DataReceived did before StringReceiver.
type copyProto struct {
	testProto
	last string
}

func (p *copyProto) DataReceived(data []byte) { p.last = string(data) }

// BenchmarkReceive64K reads 64 KiB chunks from a socket pair as a kept
// string: copied out of the reactor's read buffer, or handed over to a
// StringReceiver.
func BenchmarkReceive64K(b *testing.B) {
	for _, tc := range []struct {
		name  string
		proto func() (Protocol, func() int)
	}{
		{"copy", func() (Protocol, func() int) { p := &copyProto{}; return p, func() int { return len(p.last) } }},
		{"handover", func() (Protocol, func() int) {
			p := &stringProto{}
			return p, func() int { n := len(p.got[0]); p.got = p.got[:0]; return n }
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r, _ := newTestReactor(b, Config{})
			fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer unix.Close(fds[1])
			unix.SetNonblock(fds[0], true)
			proto, got := tc.proto()
			tr := newStreamTransport(r, fds[0], false, nil, nil, proto, nil)
			defer tr.ConnectionLost(ErrConnectionDone)
			chunk := make([]byte, readBufferSize)
			b.SetBytes(readBufferSize)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := unix.Write(fds[1], chunk); err != nil {
					b.Fatal(err)
				}
				if err := tr.DoRead(); err != nil {
					b.Fatal(err)
				}
				if got() != readBufferSize {
					b.Fatal("short read")
				}
			}
		})
	}
}
