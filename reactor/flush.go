package reactor

import (
	"strings"
	"unsafe"
)

// Stream transports write at the end of the iteration's callbacks, not
// inside Write and not on a writable event: a callback's writes go out
// together (one writev) just before the loop waits, and the socket is
// watched for writability only once the kernel refuses part of them. An
// echo's round trip is one read and one write, with no epoll_ctl.

// scheduleFlush has t's queue sent before the loop next waits. A transport
// already watched for writability is sent by its DoWrite instead. During
// flushWrites (a producer resumed by a drained queue writes again) it is
// watched for writability, as Twisted resumes a producer once per writable
// event: otherwise a pull producer that always has more would keep the loop
// in flushWrites for ever.
func (r *Reactor) scheduleFlush(t *StreamTransport) {
	if t.writing || t.flushQueued {
		return
	}
	if r.flushing {
		t.startWriting()
		return
	}
	t.flushQueued = true
	r.flushes = append(r.flushes, t)
}

// flushWrites sends what the iteration's callbacks wrote, as a writable
// event would: through DoWrite, so that a full socket is then watched for
// writability, and a send error or a finished LoseConnection closes the
// connection (ConnectionLost now, after the callbacks).
func (r *Reactor) flushWrites() {
	if len(r.flushes) == 0 {
		return
	}
	r.flushing = true
	for i, t := range r.flushes {
		r.flushes[i] = nil
		t.flushQueued = false
		if t.disconnected || t.writing || r.halted.Load() {
			continue
		}
		r.doIO(t, t.DoWrite)
	}
	r.flushes = r.flushes[:0]
	r.flushing = false
}

// readBuffer is the buffer every stream transport of r reads into: what
// DataReceived gets is valid only during the call, and the reactor makes
// one call at a time, so one buffer serves all its connections. It is the
// reactor's, not the package's: reactors may run on different goroutines.
func (r *Reactor) readBuffer() []byte {
	if r.readBuf == nil {
		r.readBuf = make([]byte, readBufferSize)
	}
	return r.readBuf
}

// handOverMin is the read, in bytes, from which takeString hands the
// string read buffer itself over as the string: at most a quarter of it is
// then held unused while the string lives. A shorter read is copied out.
const handOverMin = readBufferSize * 3 / 4

// stringReadBuffer is the buffer a StringReceiver's transport reads into:
// the reactor's while none of it was handed over, else a new one, whose
// bytes past a read are never looked at (so need not be zeroed).
func (r *Reactor) stringReadBuffer() []byte {
	if r.stringBuf == nil {
		r.stringBuf = unzeroedBytes(readBufferSize)
	}
	return r.stringBuf
}

// takeString is the string of the n bytes read into buf, the string read
// buffer: for a large read the buffer itself, which the reactor then
// forgets and never writes to again, so the string never changes; for a
// small one a copy, and the buffer serves the next read.
func (r *Reactor) takeString(buf []byte, n int) string {
	if n < handOverMin {
		return string(buf[:n])
	}
	r.stringBuf = nil
	return unsafe.String(unsafe.SliceData(buf), n)
}

// unzeroedBytes allocates n bytes without clearing them first, as Go's own
// string conversions do: a strings.Builder grown to n holds such memory,
// and the one byte written makes its String point at it.
func unzeroedBytes(n int) []byte {
	var b strings.Builder
	b.Grow(n)
	b.WriteByte(0)
	return unsafe.Slice(unsafe.StringData(b.String()), n)
}
