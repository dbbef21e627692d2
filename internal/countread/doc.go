// Package countread counts the bytes read through an io.ReaderAt, for
// tests that check a reader reads its share of a file and no more (npy's
// spans, hdf5's boxes, a rank's columns of a weight file).
package countread
