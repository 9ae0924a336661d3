package reactor

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// closeForgetter is a poller whose kernel set drops a descriptor by itself
// once the descriptor's open file is closed (epoll does), so a descriptor
// about to be closed needs no system call to leave it: forgetClosing only
// updates the poller's own books.
type closeForgetter interface{ forgetClosing(fd int) }

// closeUnshared stops watching fd as reader and writer and closes its
// descriptor, and returns close's error. On epoll it saves the
// EPOLL_CTL_DEL: the kernel drops the descriptor from the set when its open
// file is released, which close does only if no other descriptor refers to
// that file. The caller guarantees that: the descriptor was made
// close-on-exec and was never duplicated in this process (a child's pipe
// end, a pidfd). A child forked meanwhile holds a copy until it execs, so
// the close holds ForkLock for reading: no fork is then in progress, and
// no copy exists. Afterwards fd.Fd() must return -1 (the caller sets it).
func (r *Reactor) closeUnshared(fd FileDescriptor) error {
	n := fd.Fd()
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if w := r.watches[n]; w != nil && (FileDescriptor(w.reader) == fd || FileDescriptor(w.writer) == fd) {
		if FileDescriptor(w.reader) == fd {
			w.reader, w.readSeq = nil, 0
		}
		if FileDescriptor(w.writer) == fd {
			w.writer, w.writeSeq = nil, 0
		}
		forgetter, ok := r.poller.(closeForgetter)
		if w.reader == nil && w.writer == nil && w.inPoller && ok {
			forgetter.forgetClosing(n)
			w.inPoller = false
		}
		// Whatever is left (another watcher on the number, an always-ready
		// count, a poller that must be told) goes the usual way.
		r.narrowWatch(w)
	}
	return unix.Close(n)
}

// readWriteDescriptor is a watcher that may be watched for reading or
// for writing.
type readWriteDescriptor interface {
	ReadDescriptor
	WriteDescriptor
}

// watchInstead moves fd's watch from reading to writing (toWrite) or back
// with one poller update, where RemoveReader then AddWriter make two (on
// epoll a DEL and an ADD). A watch not in the one expected role goes the
// usual way. On an error fd is watched in neither role.
func (r *Reactor) watchInstead(fd readWriteDescriptor, toWrite bool) error {
	w := r.watches[fd.Fd()]
	if toWrite {
		if w == nil || w.reader != fd || w.writer != nil {
			r.RemoveReader(fd)
			return r.AddWriter(fd)
		}
		r.watchSeq++
		w.reader, w.readSeq, w.writer, w.writeSeq = nil, 0, fd, r.watchSeq
	} else {
		if w == nil || w.writer != fd || w.reader != nil {
			r.RemoveWriter(fd)
			return r.AddReader(fd)
		}
		r.watchSeq++
		w.writer, w.writeSeq, w.reader, w.readSeq = nil, 0, fd, r.watchSeq
	}
	if err := r.updateWatch(w); err != nil {
		w.reader, w.readSeq, w.writer, w.writeSeq = nil, 0, nil, 0
		r.dropIfEmpty(w)
		return err
	}
	return nil
}
