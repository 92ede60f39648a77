package loops

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
)

// MaxTransactionalBytes is Loops' limit on the JSON body of one
// transactional send (4 MB), attachments included: Transactional.Send
// refuses, before sending, attachments whose base64 form alone exceeds it.
const MaxTransactionalBytes = 4_000_000

// MaxAttachmentBytes is the largest file [AttachmentFromFile] and
// [AttachmentFromReader] accept: base64 makes it MaxTransactionalBytes
// on the wire. Several attachments share that budget.
const MaxAttachmentBytes = MaxTransactionalBytes / 4 * 3

// AttachmentFromFile reads the file at path into an [Attachment] named
// after the file (its base name), with the content type its extension
// gives, or, for an unknown extension, the one its first bytes show. A file
// larger than [MaxAttachmentBytes] is refused with a [*ValidationError].
func AttachmentFromFile(path string) (Attachment, error) {
	f, err := os.Open(path)
	if err != nil {
		return Attachment{}, fmt.Errorf("loops: AttachmentFromFile: %w", err)
	}
	defer f.Close()
	return readAttachment("AttachmentFromFile", filepath.Base(path), f)
}

// AttachmentFromReader reads r to its end into an [Attachment] called
// filename, typed as [AttachmentFromFile] does (from the name's extension,
// else from the content). It reads at most one byte more than
// [MaxAttachmentBytes], and refuses a larger content with a
// [*ValidationError].
func AttachmentFromReader(filename string, r io.Reader) (Attachment, error) {
	return readAttachment("AttachmentFromReader", filename, r)
}

func readAttachment(op, filename string, r io.Reader) (Attachment, error) {
	if filename == "" || filename == "." || filename == string(filepath.Separator) {
		return Attachment{}, invalid(op, "filename", "is required")
	}
	var buf bytes.Buffer
	if n := sizeHint(r); n > 0 {
		// One allocation instead of a doubling buffer's copies; MinRead
		// more, because ReadFrom wants that much room before each Read,
		// the one that meets the end included.
		buf.Grow(int(min(n, MaxAttachmentBytes+1)) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(r, MaxAttachmentBytes+1)); err != nil {
		return Attachment{}, fmt.Errorf("loops: %s: reading %s: %w", op, filename, err)
	}
	if buf.Len() > MaxAttachmentBytes {
		return Attachment{}, invalid(op, filename, fmt.Sprintf("is larger than %d bytes, which base64 makes Loops' 4 MB limit for a send", MaxAttachmentBytes))
	}
	data := buf.Bytes()
	return Attachment{Filename: filename, ContentType: contentType(filename, data), Data: data}, nil
}

// sizeHint is how many bytes r says it holds, when it says (a bytes or
// strings reader, a regular file), else 0. It is only a hint for the
// buffer: what is read decides.
func sizeHint(r io.Reader) int64 {
	switch r := r.(type) {
	case interface{ Len() int }:
		return int64(r.Len())
	case *os.File:
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return 0
}

// contentType names the MIME type of a file: from its extension when the
// system knows it, else sniffed from its first bytes (the WHATWG algorithm
// of net/http, which ends at application/octet-stream).
func contentType(filename string, data []byte) string {
	if t := mime.TypeByExtension(filepath.Ext(filename)); t != "" {
		return t
	}
	return http.DetectContentType(data)
}

// checkAttachments refuses attachments that cannot fit in one send: their
// base64 form together exceeds MaxTransactionalBytes.
func checkAttachments(op string, atts []Attachment) error {
	total := 0
	for _, a := range atts {
		total += base64.StdEncoding.EncodedLen(len(a.Data))
	}
	if total > MaxTransactionalBytes {
		return invalid(op, "attachments", fmt.Sprintf("take %d bytes in base64; Loops accepts at most %d for a whole send", total, MaxTransactionalBytes))
	}
	return nil
}
