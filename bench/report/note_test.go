package main

import (
	"bytes"
	"testing"
)

// TestWriteNote quotes every line of a sitting's note, blank lines as bare
// quote markers so the block stays one quotation, and writes nothing for
// an empty note.
func TestWriteNote(t *testing.T) {
	var b bytes.Buffer
	writeNote(&b, []byte("\nThe host ran slow.\n\nSee the log.\n"))
	want := "> **About this sitting.** The host ran slow.\n>\n> See the log.\n\n"
	if got := b.String(); got != want {
		t.Errorf("note written as %q, want %q", got, want)
	}
	b.Reset()
	writeNote(&b, []byte(" \n"))
	if b.Len() != 0 {
		t.Errorf("an empty note wrote %q", b.String())
	}
}
