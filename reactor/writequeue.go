package reactor

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// writeQueue is the write side the buffered transports share
// (StreamTransport, StandardIO's stdout), after Twisted's
// abstract.FileDescriptor: what was written, in pieces that one writev
// sends together, and the producer that fills it. Written bytes are copied
// (the caller may reuse its slice); a written string of stringAliasMin
// bytes or more is queued as it is, since a string never changes: one Lua
// string written to many clients stays one copy. It does no I/O of its
// own: flush sends through the function its transport gives it.
type writeQueue struct {
	// pieces[head:] are still to send; pieces[head][off:] goes first. A
	// piece that aliases a string is only ever read (by the kernel, in
	// write(2)). The array is kept while small, so that an echo's
	// write-then-drain does not allocate.
	pieces [][]byte
	// first is the pieces' array until a second piece is queued at once:
	// a connection that writes one piece at a time (a poem, a banner, an
	// echo) allocates none.
	first [1][]byte
	head  int
	off   int
	size  int // bytes still to send
	// tailOwned: the last piece was allocated by the queue, so small writes
	// may be appended to it; false when it aliases a string.
	tailOwned bool

	producer       Producer
	streaming      bool // producer is a push producer
	producerPaused bool // we paused it because the queue was full
}

// writeChunk is the size up to which small writes are copied into the
// last pending piece instead of a piece of their own, so many small writes
// cost few iovecs.
const writeChunk = 16 << 10

// maxIovecs bounds the pieces one writev passes (IOV_MAX is 1024).
const maxIovecs = 1024

// producerBufferSize is how much buffered output pauses a streaming
// producer, as Twisted's bufferSize.
const producerBufferSize = 64 << 10

// stringAliasMin is the length from which addString queues the string
// itself rather than a copy: below it, appending to the last piece costs
// less than an iovec of its own.
const stringAliasMin = 1 << 10

// add queues a copy of data, which is not empty, and pauses a streaming
// producer once more than producerBufferSize is queued.
func (q *writeQueue) add(data []byte) {
	if n := len(q.pieces); n > q.head && q.tailOwned && len(q.pieces[n-1])+len(data) <= writeChunk {
		q.pieces[n-1] = append(q.pieces[n-1], data...)
	} else {
		piece := make([]byte, len(data), max(len(data), min(writeChunk, 2*len(data))))
		copy(piece, data)
		q.push(piece)
		q.tailOwned = true
	}
	q.grew(len(data))
}

// addString queues s, which is not empty, without a copy when it is long
// or the queue is empty; a short one after others is copied as add does.
func (q *writeQueue) addString(s string) {
	if len(s) < stringAliasMin && q.size > 0 {
		q.add(stringBytes(s))
		return
	}
	q.push(stringBytes(s))
	q.tailOwned = false
	q.grew(len(s))
}

// push queues piece, in first while the queue holds no other.
func (q *writeQueue) push(piece []byte) {
	if cap(q.pieces) == 0 {
		q.pieces = q.first[:0]
	}
	inFirst := unsafe.SliceData(q.pieces) == &q.first[0]
	q.pieces = append(q.pieces, piece)
	if inFirst && unsafe.SliceData(q.pieces) != &q.first[0] {
		// The pieces moved to an array of their own: first must not keep
		// one alive once it is sent.
		clear(q.first[:])
	}
}

// grew accounts for n queued bytes and pauses a streaming producer once
// more than producerBufferSize is queued.
func (q *writeQueue) grew(n int) {
	q.size += n
	if q.producer != nil && q.streaming && !q.producerPaused && q.size > producerBufferSize {
		q.producerPaused = true
		q.producer.PauseProducing()
	}
}

// stringBytes is s's bytes without a copy. They must never be written to:
// the queue only hands them to write(2), which reads them.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// flush sends the queue through write until it is empty or write would
// block. write gets up to maxIovecs pieces, the first one trimmed to what
// is left of it, and returns how many bytes it sent. EINTR is retried;
// EAGAIN ends the flush with nil (q.size says what is left); any other
// error is returned as it is.
func (q *writeQueue) flush(write func(pieces [][]byte) (int, error)) error {
	for q.size > 0 {
		iov := q.pieces[q.head:min(len(q.pieces), q.head+maxIovecs)]
		first := iov[0]
		iov[0] = first[q.off:]
		n, err := write(iov)
		iov[0] = first
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return nil
		case err != nil:
			return err
		}
		q.consume(n)
	}
	return nil
}

// writeFd writes pieces to fd: write(2) for one, writev(2) for several.
func writeFd(fd int, pieces [][]byte) (int, error) {
	if len(pieces) == 1 {
		return unix.Write(fd, pieces[0])
	}
	return writePieces(fd, pieces)
}

// writeNonblockFd is writeFd for a descriptor in non-blocking mode (a
// socket or a pipe of ours), past the scheduler where the system allows.
func writeNonblockFd(fd int, pieces [][]byte) (int, error) {
	if len(pieces) == 1 {
		return writeNonblock(fd, pieces[0])
	}
	return writePiecesNonblock(fd, pieces)
}

// consume drops the first n queued bytes, which were sent.
func (q *writeQueue) consume(n int) {
	q.size -= n
	for n > 0 {
		rest := len(q.pieces[q.head]) - q.off
		if n < rest {
			q.off += n
			return
		}
		n -= rest
		q.pieces[q.head] = nil
		q.head++
		q.off = 0
	}
	switch {
	case q.head == len(q.pieces):
		q.reset()
	case q.head >= compactPieces && 2*q.head >= len(q.pieces):
		// A queue that never drains (a slow reader, a producer keeping it
		// full) must not keep every sent piece's slot: move the rest down,
		// amortised O(1) per piece.
		n := copy(q.pieces, q.pieces[q.head:])
		clear(q.pieces[n:])
		q.pieces, q.head = q.pieces[:n], 0
	}
}

// keepPieces is the largest array of pieces reset keeps for reuse;
// compactPieces the number of sent slots that makes consume move the rest
// down.
const (
	keepPieces    = 16
	compactPieces = 64
)

// reset empties the queue, keeping a small array of pieces and letting a
// large one go.
func (q *writeQueue) reset() {
	if cap(q.pieces) <= keepPieces {
		clear(q.pieces[:cap(q.pieces)])
		q.pieces = q.pieces[:0]
	} else {
		q.pieces = nil
	}
	q.head, q.off, q.size, q.tailOwned = 0, 0, 0, false
}

// drop forgets what is queued; the producer stays.
func (q *writeQueue) drop() {
	q.pieces, q.head, q.off, q.size, q.tailOwned = nil, 0, 0, 0, false
	clear(q.first[:])
}

// register makes p the producer, as Twisted's registerProducer: a pull
// producer is resumed at once. A second producer is an error.
func (q *writeQueue) register(p Producer, streaming bool) error {
	if q.producer != nil {
		return fmt.Errorf("reactor: cannot register producer %v, because producer %v was never unregistered", p, q.producer)
	}
	q.producer, q.streaming, q.producerPaused = p, streaming, false
	if !streaming {
		p.ResumeProducing()
	}
	return nil
}

// drained is called once the queue is empty: it resumes a pull producer,
// or a streaming one that add paused, and reports whether it did.
func (q *writeQueue) drained() bool {
	p := q.producer
	if p == nil || (q.streaming && !q.producerPaused) {
		return false
	}
	q.producerPaused = false
	p.ResumeProducing()
	return true
}

// takeProducer unregisters the producer and returns it, nil if none.
func (q *writeQueue) takeProducer() Producer {
	p := q.producer
	q.producer = nil
	return p
}
