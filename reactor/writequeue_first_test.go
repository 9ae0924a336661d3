package reactor

import (
	"strings"
	"testing"
)

// TestWriteQueueFirstPieceAllocations pins what W12's connection costs its
// write queue: one string queued and sent allocates nothing (the queue's
// own slot holds it), and the slot lets go of the piece once sent, once the
// pieces move to an array of their own, and when the queue is dropped.
func TestWriteQueueFirstPieceAllocations(t *testing.T) {
	poem := strings.Repeat("p", 100<<10)
	sendAll := func(pieces [][]byte) (int, error) {
		n := 0
		for _, p := range pieces {
			n += len(p)
		}
		return n, nil
	}
	q := new(writeQueue)
	allocs := testing.AllocsPerRun(200, func() {
		*q = writeQueue{}
		q.addString(poem)
		if err := q.flush(sendAll); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("a queue's first piece, queued and sent, allocates %.1f times, want 0", allocs)
	}
	for _, tc := range []struct {
		name string
		then func(q *writeQueue)
	}{
		{"sent", func(q *writeQueue) { _ = q.flush(sendAll) }},
		{"a second piece queued", func(q *writeQueue) { q.addString(poem) }},
		{"dropped", func(q *writeQueue) { q.drop() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var q writeQueue
			q.addString(poem)
			tc.then(&q)
			if q.first[0] != nil {
				t.Errorf("the queue's first slot still holds %d bytes", len(q.first[0]))
			}
		})
	}
}
