package localevents

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
)

// recordingWriter keeps each Write apart.
type recordingWriter struct{ writes [][]byte }

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}

// frame is a server frame (unmasked) or, with masked, a client frame, of n payload bytes.
func frame(n int, masked bool) []byte {
	var f []byte
	maskBit := byte(0)
	if masked {
		maskBit = 0x80
	}
	switch {
	case n < 126:
		f = []byte{0x81, maskBit | byte(n)}
	case n <= 0xffff:
		f = binary.BigEndian.AppendUint16([]byte{0x81, maskBit | 126}, uint16(n))
	default:
		f = binary.BigEndian.AppendUint64([]byte{0x81, maskBit | 127}, uint64(n))
	}
	if masked {
		f = append(f, 9, 9, 9, 9)
	}
	return append(f, bytes.Repeat([]byte{'x'}, n)...)
}

func TestFrameWriterWritesWholeFramesAtOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		frames [][]byte
		chunk  int // the size of the writes the frames arrive in
	}{
		{"empty frame whole", [][]byte{frame(0, false)}, 1 << 20},
		{"small frame in bytes", [][]byte{frame(13, false)}, 1},
		{"125 bytes, split in the header", [][]byte{frame(125, false)}, 1},
		{"126 bytes: 16-bit length", [][]byte{frame(126, false)}, 64},
		{"65,536 bytes: 64-bit length", [][]byte{frame(65536, false)}, 64},
		{"masked", [][]byte{frame(300, true)}, 7},
		{"two frames", [][]byte{frame(10, false), frame(200, false)}, 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, f := range tt.frames {
				rec := &recordingWriter{}
				fw := &frameWriter{w: rec}
				for rest := f; len(rest) > 0; {
					n := min(tt.chunk, len(rest))
					if got, err := fw.Write(rest[:n]); got != n || err != nil {
						t.Fatalf("Write(%d bytes) = %d, %v", n, got, err)
					}
					rest = rest[n:]
				}
				if len(rec.writes) != 1 || !bytes.Equal(rec.writes[0], f) {
					t.Fatalf("%d writes reached the connection, want the frame (%d bytes) in one", len(rec.writes), len(f))
				}
			}
		})
	}
}

func TestWholeFrames(t *testing.T) {
	t.Parallel()
	two := append(frame(5, false), frame(300, false)...)
	for n := range len(two) {
		if wholeFrames(two[:n]) != (n == 0 || n == len(frame(5, false))) {
			t.Fatalf("wholeFrames of the first %d bytes of two frames = %v", n, !(n == 0 || n == len(frame(5, false))))
		}
	}
	if !wholeFrames(two) {
		t.Error("two whole frames: false, want true")
	}
}

func TestQuoteMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	want := func(s string) string {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		return strings.TrimSuffix(buf.String(), "\n")
	}
	inputs := []string{"", `{"id":"a","status":"Running","progress":{"step":"pay"}}`, `a\b"c`, "<&>", "\x7f", "é", "\u2028", "\xff", "tab\there", "line\n"}
	for c := range 256 {
		inputs = append(inputs, "x"+string(rune(c))+"y", "x"+string([]byte{byte(c)})+"y")
	}
	for _, s := range inputs {
		if got := string(quote(s)); got != want(s) {
			t.Errorf("quote(%q) = %s, want %s", s, got, want(s))
		}
	}
}
