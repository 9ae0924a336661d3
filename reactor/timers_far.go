package reactor

import (
	"slices"
	"time"
)

// A heap of a million timers misses the cache at every level of every sift.
// The queue therefore keeps only the near calls in its heap and sorts the
// later ones lazily: once the heap outgrows farSplit, the calls past the
// earliest one's bucket (a span of 2^farShift ns, about a millisecond) move
// to unsorted buckets, one per span, and each bucket is heapified only when
// the heap has run dry and it is the earliest left. The heap then holds one
// bucket's calls, which stay in cache, and a call scheduled ahead costs an
// append and, later, one sift in a small heap.
//
// The invariant: every call in the heap is in a span before horizon, every
// call in a bucket in a span at or after it. So the heap's root is the
// earliest call of all, and the order (when, then seq) and exact times are
// the heap's own: nothing about them depends on the buckets. It also tells
// where a pending call is from its time alone, so a call need not point to
// its bucket.
const (
	// farSplit is the heap size at which later calls move to buckets: 4,096
	// slots are 64 KiB, about what a core's L2 holds with room to spare.
	farSplit = 4096
	// farShift sets a bucket's span: 2^20 ns, 1.05 ms.
	farShift = 20
)

// farRing is the number of spans whose buckets are found by index (about
// a second of them): a bucket lives at ring[span % farRing] unless another
// span holds that slot, and then in others.
const farRing = 1024

// farTimers holds the calls at or after the horizon.
type farTimers struct {
	horizon int64 // the first span not in the heap
	ring    [farRing]*timerBucket
	others  map[int64]*timerBucket // nil until a ring slot is taken twice
	spans   []int64                // min-heap of the spans in buckets, each once
	n       int                    // calls in buckets
}

// bucket returns the bucket of span sp, nil if it has none.
func (f *farTimers) bucket(sp int64) *timerBucket {
	if b := f.ring[uint64(sp)%farRing]; b != nil && b.span == sp {
		return b
	}
	return f.others[sp]
}

// newBucket makes the bucket of span sp, which has none.
func (f *farTimers) newBucket(sp int64) *timerBucket {
	b := &timerBucket{span: sp}
	if slot := &f.ring[uint64(sp)%farRing]; *slot == nil {
		*slot = b
	} else {
		if f.others == nil {
			f.others = make(map[int64]*timerBucket)
		}
		f.others[sp] = b
	}
	pushSpan(&f.spans, sp)
	return b
}

// dropBucket forgets b.
func (f *farTimers) dropBucket(b *timerBucket) {
	if slot := &f.ring[uint64(b.span)%farRing]; *slot == b {
		*slot = nil
	} else {
		delete(f.others, b.span)
	}
}

// A timerBucket holds, unordered, the calls of one span; a call in a bucket
// has its position in the bucket as its index. A bucket keeps pointers
// alone, not the heap's slots: nothing sorts a bucket until it is loaded
// into the heap, so the copy of each call's time would be 8 bytes more per
// far timer for nothing. The pointers are kept in chunks of 512 (every
// chunk but the last full) rather than in one growing slice,
// so that filling a million calls into buckets leaves no outgrown arrays
// behind; the first chunk starts small, as most buckets of a sparse timer
// set hold a call or two.
type timerBucket struct {
	span   int64
	chunks [][]*DelayedCall
	n      int
}

// chunkShift sets a bucket chunk's size: 512 calls, 4 KiB.
const chunkShift = 9

func (b *timerBucket) at(i int) **DelayedCall {
	return &b.chunks[i>>chunkShift][i&(1<<chunkShift-1)]
}

func (b *timerBucket) push(c *DelayedCall) {
	k := len(b.chunks) - 1
	switch {
	case k < 0:
		b.chunks = append(b.chunks, make([]*DelayedCall, 0, 4))
		k = 0
	case len(b.chunks[k]) == 1<<chunkShift:
		b.chunks = append(b.chunks, make([]*DelayedCall, 0, 1<<chunkShift))
		k++
	}
	b.chunks[k] = append(b.chunks[k], c)
	b.n++
}

// pop removes and returns the last call.
func (b *timerBucket) pop() *DelayedCall {
	k := len(b.chunks) - 1
	last := b.chunks[k]
	c := last[len(last)-1]
	last[len(last)-1] = nil
	if b.chunks[k] = last[:len(last)-1]; len(b.chunks[k]) == 0 {
		b.chunks[k] = nil
		b.chunks = b.chunks[:k]
	}
	b.n--
	return c
}

// span is the bucket a time falls in.
func (q *timerQueue) span(when time.Duration) int64 {
	return int64(when) >> q.shift()
}

func (q *timerQueue) shift() uint {
	if q.farShift != 0 {
		return q.farShift
	}
	return farShift
}

func (q *timerQueue) splitSize() int {
	if q.farSplit != 0 {
		return q.farSplit
	}
	return farSplit
}

// pastHorizon reports whether a call at when belongs in a bucket.
func (q *timerQueue) pastHorizon(when time.Duration) bool {
	return q.far != nil && q.span(when) >= q.far.horizon
}

// inBucket reports whether c, which is pending, is in a bucket rather than
// in the heap.
func (q *timerQueue) inBucket(c *DelayedCall) bool { return q.pastHorizon(c.when) }

// insert puts c, whose when and seq are set, where the invariant says.
func (q *timerQueue) insert(c *DelayedCall) {
	if q.pastHorizon(c.when) {
		q.far.add(c, q.span(c.when))
		return
	}
	if len(q.heap) == cap(q.heap) {
		// Double, where append grows a large slice by only a quarter: a
		// million timers then cost 16 MB of outgrown arrays rather than 60,
		// and a quarter of the copying.
		q.heap = slices.Grow(q.heap, len(q.heap))
	}
	q.heap = append(q.heap, slot{c.when, c})
	q.up(len(q.heap) - 1)
	if len(q.heap) >= q.nextSplit && len(q.heap) >= q.splitSize() {
		q.split()
	}
}

// split moves the heap's calls past the earliest one's span to buckets. If
// nearly all of them share that span, moving would not shrink the heap, so
// the next try waits until it has doubled: the scans stay amortised O(1) per
// call.
func (q *timerQueue) split() {
	horizon := q.span(q.heap[0].when) + 1
	if q.far != nil {
		horizon = min(horizon, q.far.horizon)
	} else {
		q.far = new(farTimers)
	}
	q.far.horizon = horizon
	kept := q.heap[:0]
	for _, s := range q.heap {
		if sp := q.span(s.when); sp >= horizon {
			q.far.add(s.call, sp)
			continue
		}
		s.call.index = int32(len(kept))
		kept = append(kept, s)
	}
	clear(q.heap[len(kept):])
	q.heap = kept
	q.heapify()
	q.nextSplit = 2 * len(q.heap)
	if q.far.n == 0 {
		q.far = nil
	}
}

// refill loads the earliest bucket into the empty heap and moves the horizon
// past it. When the last call has left the buckets, they are dropped and the
// heap takes every call again.
func (q *timerQueue) refill() {
	f := q.far
	for len(f.spans) > 0 {
		sp := popSpan(&f.spans)
		b := f.bucket(sp)
		f.dropBucket(b)
		if b.n == 0 {
			continue
		}
		f.horizon = sp + 1
		f.n -= b.n
		for _, chunk := range b.chunks {
			for _, c := range chunk {
				c.index = int32(len(q.heap))
				q.heap = append(q.heap, slot{c.when, c})
			}
		}
		q.heapify()
		q.nextSplit = 2 * len(q.heap)
		break
	}
	if f.n == 0 {
		q.far = nil
		q.nextSplit = 0
	}
}

// add puts c in the bucket of span sp.
func (f *farTimers) add(c *DelayedCall, sp int64) {
	b := f.bucket(sp)
	if b == nil {
		b = f.newBucket(sp)
	}
	c.index = int32(b.n)
	b.push(c)
	f.n++
}

// removeFar takes c out of its bucket: the bucket's last call fills its
// place. The bucket itself stays until the horizon reaches it, unless it was
// the last call in any bucket.
func (q *timerQueue) removeFar(c *DelayedCall) {
	b, i := q.far.bucket(q.span(c.when)), int(c.index)
	if moved := b.pop(); moved != c {
		*b.at(i) = moved
		moved.index = int32(i)
	}
	c.index = -1
	if q.far.n--; q.far.n == 0 {
		q.far = nil
		q.nextSplit = 0
	}
}

func (q *timerQueue) heapify() {
	for i := (len(q.heap) - 2) / arity; i >= 0; i-- {
		q.down(i)
	}
}

// pushSpan and popSpan keep h a binary min-heap of spans.
func pushSpan(h *[]int64, sp int64) {
	s := append(*h, sp)
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p] <= sp {
			break
		}
		s[i] = s[p]
		i = p
	}
	s[i] = sp
	*h = s
}

func popSpan(h *[]int64) int64 {
	s := *h
	top, last := s[0], s[len(s)-1]
	s = s[:len(s)-1]
	i, n := 0, len(s)
	for n > 0 {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && s[c+1] < s[c] {
			c++
		}
		if last <= s[c] {
			break
		}
		s[i] = s[c]
		i = c
	}
	if n > 0 {
		s[i] = last
	}
	*h = s
	return top
}
