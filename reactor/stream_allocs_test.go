package reactor

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestStreamEchoWriteAllocations pins what an echo's write costs once the
// connection is warm: a short string written and flushed to a socket with
// room allocates nothing (it is handed to the kernel as it is).
func TestStreamEchoWriteAllocations(t *testing.T) {
	r, _ := newTestReactor(t, Config{})
	fds := nonblockingPair(t)
	defer unix.Close(fds[1])
	tr := newStreamTransport(r, fds[0], false, nil, nil, &testProto{}, nil)
	tr.start()
	msg := strings.Repeat("e", 64)
	var sink [128]byte
	allocs := testing.AllocsPerRun(200, func() {
		tr.WriteString(msg)
		r.flushWrites()
		unix.Read(fds[1], sink[:])
	})
	if tr.BufferedLen() != 0 {
		t.Fatalf("%d bytes left queued", tr.BufferedLen())
	}
	if allocs > 0 {
		t.Errorf("a 64-byte write and its flush allocate %.1f times, want 0", allocs)
	}
}

// TestWriteQueueThatNeverDrainsStaysSmall: a queue kept busy (a piece
// added for each one sent, never empty) reuses the slots of sent pieces
// instead of growing its array for ever.
func TestWriteQueueThatNeverDrainsStaysSmall(t *testing.T) {
	for _, backlog := range []int{1, 10, 100} {
		var q writeQueue
		piece := strings.Repeat("p", stringAliasMin)
		for i := 0; i < backlog; i++ {
			q.addString(piece)
		}
		for i := 0; i < 100000; i++ {
			q.addString(piece)
			q.consume(len(piece))
		}
		if q.size != backlog*len(piece) {
			t.Fatalf("backlog %d: %d bytes queued, want %d", backlog, q.size, backlog*len(piece))
		}
		if c := cap(q.pieces); c > 4*(backlog+compactPieces) {
			t.Errorf("backlog %d: the array of pieces has %d slots after 100,000 pieces", backlog, c)
		}
	}
}
