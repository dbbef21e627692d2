package session

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"leaky/checkpoint"
	"leaky/engine"
	"leaky/netfile"
)

// Keys of a checkpoint's description that are not the network's values.
const (
	keyDescription = "description" // the network description as YAML
	keyNet         = "net"         // the network file it was read from
	keyOut         = "out"         // the output directory
	digestSuffix   = "-sha256"     // after a data file's key path
)

// describe is what a checkpoint of d keeps beside the state: the
// description itself (with its .npy paths made absolute), the SHA-256 of
// every .npy file it names, so that moving an input is fine but changing
// it is not, the network file's path and the output directory. Threads and
// kernel change no bit and are left out.
func describe(d *netfile.File, out string) (checkpoint.Description, error) {
	abs, err := d.Resolved()
	if err != nil {
		return nil, err
	}
	yaml, err := abs.Marshal()
	if err != nil {
		return nil, err
	}
	desc := checkpoint.Description{
		{Key: keyDescription, Value: string(yaml)},
		{Key: keyNet, Value: d.Path},
		{Key: keyOut, Value: out},
	}
	sums := map[string]string{} // a NIR file holds many weights: hash it once
	for _, df := range d.DataFiles() {
		sum, ok := sums[df.Path]
		if !ok {
			var err error
			if sum, err = fileDigest(df.Path); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", df.Key, df.Path, err)
			}
			sums[df.Path] = sum
		}
		desc = append(desc, checkpoint.Field{Key: df.Key + digestSuffix, Value: sum})
	}
	return desc, nil
}

func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Saved is what a checkpoint says about the run it belongs to.
type Saved struct {
	// Description is the network the run simulates; Out is where it
	// wrote its outputs.
	Description *netfile.File
	Out         string
	Header      *checkpoint.Header
}

// ReadSaved reads the header of the checkpoint at path and the run
// description it carries, refusing a checkpoint of another leaky version.
func ReadSaved(path string) (*Saved, error) {
	h, err := checkpoint.Read(path)
	if err != nil {
		return nil, err
	}
	if h.Leaky != engine.Version {
		return nil, fmt.Errorf("checkpoint %s was written by leaky %s, this is %s; finish the run with that version", path, h.Leaky, engine.Version)
	}
	yaml, ok := h.Description.Get(keyDescription)
	if !ok {
		return nil, fmt.Errorf("checkpoint %s holds no run description", path)
	}
	net, _ := h.Description.Get(keyNet)
	out, _ := h.Description.Get(keyOut)
	d, err := netfile.Parse(net, []byte(yaml))
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: its description: %w", path, err)
	}
	return &Saved{Description: d, Out: out, Header: h}, nil
}

// Difference is one value that differs between two descriptions.
type Difference struct {
	// Key is the key path; Saved and Now the values, "" when absent.
	Key, Saved, Now string
}

// Diff lists the values of now that differ from saved, by key path, with
// their .npy paths resolved as a checkpoint keeps them.
func Diff(saved, now *netfile.File) ([]Difference, error) {
	a, err := fields(saved)
	if err != nil {
		return nil, err
	}
	b, err := fields(now)
	if err != nil {
		return nil, err
	}
	am, bm := a.values(), b.values()
	var out []Difference
	for _, f := range b {
		if v, ok := am[f.Key]; !ok || v != f.Value {
			out = append(out, Difference{Key: f.Key, Saved: v, Now: f.Value})
		}
	}
	for _, f := range a {
		if _, ok := bm[f.Key]; !ok {
			out = append(out, Difference{Key: f.Key, Saved: f.Value})
		}
	}
	return out, nil
}

type fieldList []netfile.Field

func (l fieldList) values() map[string]string {
	m := make(map[string]string, len(l))
	for _, f := range l {
		m[f.Key] = f.Value
	}
	return m
}

// fields lists d's values with resolved paths. Whether a projection's
// weights are stored or regenerated changes no bit and is left out.
func fields(d *netfile.File) (fieldList, error) {
	abs, err := d.Resolved()
	if err != nil {
		return nil, err
	}
	fs, err := abs.Fields()
	if err != nil {
		return nil, err
	}
	var out fieldList
	for _, f := range fs {
		if strings.HasSuffix(f.Key, ".procedural") {
			continue
		}
		out = append(out, f)
	}
	return out, nil
}

// Message describes differences in one line, in the caller's names,
// naming at most three; differences that read the same in those names
// (the digests of one NIR file, which many keys read) are named once.
func Message(diffs []Difference, name func(string) string) string {
	if name == nil {
		name = func(k string) string { return k }
	}
	var parts []string
	for _, d := range diffs {
		var part string
		switch {
		case d.Saved == "" && d.Now != "":
			part = fmt.Sprintf("%s is %q now but absent in the checkpoint", name(d.Key), d.Now)
		case d.Now == "" && d.Saved != "":
			part = fmt.Sprintf("%s is %q in the checkpoint but absent now", name(d.Key), d.Saved)
		default:
			part = fmt.Sprintf("%s is %q in the checkpoint but %q now", name(d.Key), d.Saved, d.Now)
		}
		if !slices.Contains(parts, part) {
			parts = append(parts, part)
		}
	}
	if len(parts) > 3 {
		parts = append(parts[:3], fmt.Sprintf("and %d more", len(parts)-3))
	}
	return strings.Join(parts, "; ")
}

// matches refuses to resume the saved run as d (described by desc, with
// its data files' digests) when any value or data file differs.
func (s *Saved) matches(d *netfile.File, desc checkpoint.Description, o *Options) error {
	diffs, err := Diff(s.Description, d)
	if err != nil {
		return err
	}
	for _, f := range desc {
		if !strings.HasSuffix(f.Key, digestSuffix) {
			continue
		}
		if v, _ := s.Header.Description.Get(f.Key); v != f.Value {
			diffs = append(diffs, Difference{Key: f.Key, Saved: v, Now: f.Value})
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	return fmt.Errorf("%s: checkpoint %s does not match the run: %s; resume with the description that wrote it", o.name("resume"), o.Resume, Message(diffs, o.Name))
}

// CheckpointPath is where a run with options o saves its checkpoints.
func CheckpointPath(o Options) string {
	switch {
	case o.Checkpoint != "":
		return o.Checkpoint
	case o.Resume != "":
		return o.Resume
	}
	return filepath.Join(o.Out, "checkpoint.lkc")
}
