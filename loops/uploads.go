package loops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// uploadBuffer is the most the helper reads into memory to make a reader
// that cannot seek replayable; larger ones are sent once, unretried.
const uploadBuffer = 1 << 20

// Upload sends an image of exactly size bytes in one call: it creates the
// upload, PUTs the bytes to the presigned URL, and completes it.
//
// The type (PNG, JPEG, GIF or WebP) and size (1 to 4,000,000 bytes) are
// checked before anything is sent, and a reader shorter or longer than size
// is an error, never truncated. The PUT goes to storage, not to Loops: it
// carries no API key, only Content-Type and Content-Length, through the
// client's *http.Client, bounded by [WithUploadTimeout] rather than the
// per-attempt timeout. It is retried after transport errors and 5xx when
// the bytes can be sent again: r is an io.ReadSeeker, or up to 1 MiB that
// the helper buffers. Only a 2xx from storage is success: a redirect is
// never followed for the PUT and fails the upload, naming only the target
// host. The presigned URL is a credential and never appears in an error or
// a log.
func (s *UploadsService) Upload(ctx context.Context, r io.Reader, contentType string, size int64, opts ...CallOption) (*UploadCompletion, error) {
	const op = "Uploads.Upload"
	if r == nil {
		return nil, invalid(op, "r", "must not be nil")
	}
	req := &UploadCreateRequest{ContentType: UploadContentType(contentType), ContentLength: int(min(size, 1<<40))}
	if err := req.Validate(); err != nil {
		return nil, fieldInvalid(op, err)
	}
	body, replayable, err := uploadBody(op, r, size)
	if err != nil {
		return nil, err
	}
	up, err := s.Create(ctx, req, opts...)
	if err != nil {
		return nil, err
	}
	if err := s.put(ctx, op, up.PresignedURL, contentType, size, body, replayable); err != nil {
		return nil, err
	}
	return s.Complete(ctx, up.EmailAssetID, opts...)
}

// UploadFile uploads the image at path, its type sniffed from its content
// (http.DetectContentType); a file that is not PNG, JPEG, GIF or WebP is
// refused.
func (s *UploadsService) UploadFile(ctx context.Context, path string, opts ...CallOption) (*UploadCompletion, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return s.Upload(ctx, f, http.DetectContentType(head[:n]), info.Size(), opts...)
}

// uploadBody returns a function that gives the bytes to send, exactly
// size of them, and whether it can give them more than once.
func uploadBody(op string, r io.Reader, size int64) (func() (io.Reader, error), bool, error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		start, err := rs.Seek(0, io.SeekCurrent)
		end, err2 := rs.Seek(0, io.SeekEnd)
		if err = errors.Join(err, err2); err != nil {
			return nil, false, err
		}
		if end-start != size {
			return nil, false, invalid(op, "size", fmt.Sprintf("is %d but the reader holds %d bytes", size, end-start))
		}
		return func() (io.Reader, error) {
			_, err := rs.Seek(start, io.SeekStart)
			return &exactReader{r: rs, left: size}, err
		}, true, nil
	}
	if size > uploadBuffer {
		once := false
		return func() (io.Reader, error) {
			if once {
				return nil, errors.New("the upload's reader cannot be replayed after a failed attempt; pass an io.ReadSeeker to allow retries")
			}
			once = true
			return &exactReader{r: r, left: size}, nil
		}, false, nil
	}
	buf, err := io.ReadAll(&exactReader{r: r, left: size})
	if err != nil {
		return nil, false, invalid(op, "size", err.Error())
	}
	return func() (io.Reader, error) { return bytes.NewReader(buf), nil }, true, nil
}

// exactReader yields exactly left bytes of r, failing on a short or a long
// reader instead of truncating.
type exactReader struct {
	r    io.Reader
	left int64
	got  int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left == 0 {
		if n, _ := e.r.Read(make([]byte, 1)); n > 0 {
			return 0, fmt.Errorf("the reader holds more than the declared %d bytes", e.got)
		}
		return 0, io.EOF
	}
	n, err := e.r.Read(p[:min(int64(len(p)), e.left)])
	e.left, e.got = e.left-int64(n), e.got+int64(n)
	if errors.Is(err, io.EOF) && e.left > 0 {
		return n, fmt.Errorf("the reader ended after %d of the declared %d bytes", e.got, e.got+e.left)
	}
	return n, err
}

// put sends the bytes to storage, retrying what is safe to retry. Only a
// 2xx is success: a redirect (never followed for a PUT, see
// withRedirectPolicy) or any other status is a failure.
func (s *UploadsService) put(ctx context.Context, op, url, contentType string, size int64, body func() (io.Reader, error), replayable bool) error {
	p := s.client.pipe
	for attempt := 1; ; attempt++ {
		status, msg, err := s.putOnce(ctx, url, contentType, size, body)
		retry := replayable && attempt <= p.request.retry.maxRetries && (err != nil || status >= 500) && ctx.Err() == nil
		switch {
		case err == nil && status >= 200 && status <= 299:
			return nil
		case !retry && err != nil:
			return fmt.Errorf("loops: %s: storing the bytes: %w", op, err)
		case !retry:
			return &APIError{StatusCode: status, Method: http.MethodPut, Route: "(presigned upload URL)", Message: msg, Attempts: attempt}
		}
		if err := sleep(ctx, p.request.retry.backoff(attempt)); err != nil {
			return err
		}
	}
}

// putOnce makes one PUT and returns the status, with what to say when it
// is not a success.
func (s *UploadsService) putOnce(ctx context.Context, url, contentType string, size int64, body func() (io.Reader, error)) (int, string, error) {
	r, err := body()
	if err != nil {
		return 0, "", err
	}
	ctx, cancel := context.WithTimeout(ctx, s.client.uploadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, io.NopCloser(r))
	if err != nil {
		return 0, "", errors.New("the presigned upload URL is malformed")
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", contentType)
	resp, err := s.client.pipe.http.Do(req)
	if err != nil {
		return 0, "", redactURLError(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	msg := "storage refused the upload"
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		msg = "storage answered with a " + redirectMessage(resp)
	}
	return resp.StatusCode, msg, nil
}

// DefaultUploadTimeout bounds one PUT of an upload's bytes to storage.
const DefaultUploadTimeout = 2 * time.Minute
