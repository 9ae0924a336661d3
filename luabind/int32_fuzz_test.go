package luabind

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

// int32Frame is s after its length as 4 bytes, big-endian.
func int32Frame(s []byte) string {
	var prefix [4]byte
	binary.BigEndian.PutUint32(prefix[:], uint32(len(s)))
	return string(prefix[:]) + string(s)
}

// framedInt32 makes a stream of Int32StringReceiver strings of the pieces
// of data between 0xFF bytes, so that the fuzzer reaches valid streams at
// once.
func framedInt32(data []byte) string {
	var b bytes.Buffer
	for _, p := range bytes.Split(data, []byte{0xFF}) {
		b.WriteString(int32Frame(p))
	}
	return b.String()
}

// modelInt32 is what ScriptedInt32 with the e flag makes of a stream, in
// Go from the whole stream at once: its events (a string "S", then "U" after
// "pause"; "X" and the length above max, after which nothing is parsed) and
// what it does to the transport.
func modelInt32(stream string, max int) (events, log []string) {
	if max == 0 {
		max = 99999
	}
	events, log = []string{}, []string{}
	for len(stream) >= 4 {
		n := binary.BigEndian.Uint32([]byte(stream[:4]))
		if uint64(n) > uint64(max) {
			events = append(events, fmt.Sprintf("X%d", n))
			log = append(log, "lose")
			break
		}
		if uint64(len(stream)) < 4+uint64(n) {
			break
		}
		s := stream[4 : 4+n]
		stream = stream[4+n:]
		events = append(events, "S"+s)
		log = append(log, "write "+int32Frame([]byte(s)))
		if s == "pause" {
			events = append(events, "U")
			log = append(log, "pause", "resume")
		}
	}
	return events, log
}

// FuzzInt32StringReceiver checks that Int32StringReceiver makes the calls
// of the Go model (the same strings, the same length over MAX_LENGTH, the
// same writes, pauses and close) however the stream is cut.
//
// go test -run '^$' -fuzz '^FuzzInt32StringReceiver$' -fuzztime 10m -parallel 1 ./luabind
func FuzzInt32StringReceiver(f *testing.F) {
	g := newBasicRig(f)
	f.Add([]byte("ab\xffpause\xff\xffc"), []byte{0, 1, 2}, true, uint8(0))
	f.Add([]byte("\x00\x00\x00\x03abc\x00\x00"), []byte{1, 1, 1, 1}, false, uint8(0))
	f.Add([]byte("\x00\x00\x00\x02ab\x00\x00\x01\x00xyz"), []byte{4}, false, uint8(2))
	f.Add([]byte("\xff\xff\xff\xffa"), []byte{0}, false, uint8(1))
	f.Add([]byte("abc\xffabcd"), []byte{3}, true, uint8(2))
	f.Add([]byte("0123456789A\xffpause"), []byte{2, 9, 0}, true, uint8(3))
	f.Fuzz(func(t *testing.T, data, cuts []byte, framed bool, maxSel uint8) {
		max := fuzzStringMax[int(maxSel)%len(fuzzStringMax)]
		stream := string(data)
		if framed {
			stream = framedInt32(data)
		}
		wantEvents, wantLog := modelInt32(stream, max)
		want := fmt.Sprintf("%q %q", wantEvents, wantLog)
		for _, chunks := range [][]string{oneChunk(stream), cutChunks(stream, cuts)} {
			got, err := g.run(basicCase{Kind: "int32", Max: max, Flags: "e", Chunks: chunks})
			if err != nil {
				t.Fatal(err)
			}
			if s := fmt.Sprintf("%q %q", got.Events, got.Log); s != want {
				t.Fatalf("in chunks %q:\n got %s\nwant %s", chunks, s, want)
			}
		}
	})
}
