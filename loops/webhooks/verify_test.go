package webhooks_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/loopsdev/loops-go/loops/webhooks"
)

// signedAt is the fixed time of the deliveries built by the tests.
var signedAt = time.Unix(1767225600, 0)

// reference returns the Standard Webhooks reference library's verifier.
func reference(t testing.TB, secret string) *standardwebhooks.Webhook {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	return wh
}

// referenceHeaders signs body with the reference library, as Loops would.
func referenceHeaders(t testing.TB, secret, id string, at time.Time, body []byte) http.Header {
	t.Helper()
	sig, err := reference(t, secret).Sign(id, at, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(webhooks.HeaderID, id)
	h.Set(webhooks.HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(webhooks.HeaderSignature, sig)
	return h
}

func newVerifier(t testing.TB, secret string, opts ...webhooks.Option) *webhooks.Verifier {
	t.Helper()
	v, err := webhooks.NewVerifier(secret, append([]webhooks.Option{webhooks.WithClock(func() time.Time { return signedAt })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyAcceptsReferenceSignatures(t *testing.T) {
	bodies := [][]byte{typicalContactCreated, {}, []byte(`{"eventName":"testing.testEvent"}`), []byte("not json, but signed")}
	for _, secret := range []string{testSecret, strings.TrimPrefix(testSecret, "whsec_")} {
		v := newVerifier(t, secret)
		for _, body := range bodies {
			h := referenceHeaders(t, testSecret, "msg_p5jXN8AQM9LWM0D4loKWxJek", signedAt, body)
			if err := v.Verify(h, body); err != nil {
				t.Errorf("secret %.10q…, body %q: %v", secret, body, err)
			}
			if err := reference(t, testSecret).VerifyIgnoringTimestamp(body, h); err != nil {
				t.Fatalf("the reference refuses its own signature: %v", err)
			}
		}
	}
}

func TestSignMatchesReference(t *testing.T) {
	want, err := reference(t, testSecret).Sign("msg_1", signedAt, typicalContactCreated)
	if err != nil {
		t.Fatal(err)
	}
	got, err := webhooks.Sign(testSecret, "msg_1", signedAt, typicalContactCreated)
	if err != nil || got != want {
		t.Errorf("Sign = %q, %v; the reference library signs %q", got, err, want)
	}
	if _, err := webhooks.Sign("whsec_not base64!", "msg_1", signedAt, nil); !errors.Is(err, webhooks.ErrMalformedSecret) {
		t.Errorf("Sign with a bad secret: %v, want ErrMalformedSecret", err)
	}
}

// TestVerifyRefusals runs each bad delivery through our verifier and the
// reference library: we refuse everything it refuses, with the right
// error, and a few things it accepts.
func TestVerifyRefusals(t *testing.T) {
	body := typicalContactCreated
	good := referenceHeaders(t, testSecret, "msg_1", signedAt, body)
	sig := strings.TrimPrefix(good.Get(webhooks.HeaderSignature), "v1,")
	other := "whsec_" + "b3RoZXIgc2VjcmV0IG9mIGFub3RoZXIgYWNjb3VudA=="
	with := func(name, value string) http.Header {
		h := good.Clone()
		if value == "" {
			h.Del(name)
		} else {
			h.Set(name, value)
		}
		return h
	}
	changed := append([]byte(nil), body...)
	changed[len(changed)-3] ^= 1
	cases := []struct {
		name          string
		header        http.Header
		body          []byte
		want          error
		referenceToo  bool // the reference library refuses it as well
		checkExpiryAt bool // the reference's own clock check applies
	}{
		{"no webhook-id", with(webhooks.HeaderID, ""), body, webhooks.ErrMissingHeader, true, false},
		{"no webhook-timestamp", with(webhooks.HeaderTimestamp, ""), body, webhooks.ErrMissingHeader, true, false},
		{"no webhook-signature", with(webhooks.HeaderSignature, ""), body, webhooks.ErrMissingHeader, true, false},
		{"a body changed by one byte", good, changed, webhooks.ErrBadSignature, true, false},
		{"another id", with(webhooks.HeaderID, "msg_2"), body, webhooks.ErrBadSignature, true, false},
		{"a signature for another secret", referenceHeaders(t, other, "msg_1", signedAt, body), body, webhooks.ErrBadSignature, true, false},
		{"an empty body", good, []byte{}, webhooks.ErrBadSignature, true, false},
		{"a truncated signature", with(webhooks.HeaderSignature, "v1,"+sig[:len(sig)-1]), body, webhooks.ErrBadSignature, true, false},
		{"version v1a", with(webhooks.HeaderSignature, "v1a,"+sig), body, webhooks.ErrBadSignature, true, false},
		{"version v2", with(webhooks.HeaderSignature, "v2,"+sig), body, webhooks.ErrBadSignature, true, false},
		{"an empty version", with(webhooks.HeaderSignature, ","+sig), body, webhooks.ErrBadSignature, true, false},
		{"no version", with(webhooks.HeaderSignature, sig), body, webhooks.ErrBadSignature, true, false},
		{"V1 in capitals", with(webhooks.HeaderSignature, "V1,"+sig), body, webhooks.ErrBadSignature, true, false},
		{"comma-separated entries", with(webhooks.HeaderSignature, "v2,x,v1,"+sig), body, webhooks.ErrBadSignature, true, false},
		{"a signature with a trailing field", with(webhooks.HeaderSignature, "v1,"+sig+",x"), body, webhooks.ErrBadSignature, false, false},
		{"a timestamp with letters", with(webhooks.HeaderTimestamp, "1767225600abc"), body, webhooks.ErrInvalidTimestamp, true, false},
		{"a fractional timestamp", with(webhooks.HeaderTimestamp, "1767225600.0"), body, webhooks.ErrInvalidTimestamp, true, false},
		{"a signed timestamp", with(webhooks.HeaderTimestamp, "+1767225600"), body, webhooks.ErrInvalidTimestamp, false, false},
		{"a negative timestamp", with(webhooks.HeaderTimestamp, "-1"), body, webhooks.ErrInvalidTimestamp, true, false},
		{"a timestamp past int64", with(webhooks.HeaderTimestamp, "99999999999999999999"), body, webhooks.ErrInvalidTimestamp, true, false},
		{"one hour old", referenceHeaders(t, testSecret, "msg_1", signedAt.Add(-time.Hour), body), body, webhooks.ErrExpired, true, true},
		{"one hour ahead", referenceHeaders(t, testSecret, "msg_1", signedAt.Add(time.Hour), body), body, webhooks.ErrExpired, true, true},
		{"5m1s old", referenceHeaders(t, testSecret, "msg_1", signedAt.Add(-5*time.Minute-time.Second), body), body, webhooks.ErrExpired, true, true},
	}
	v := newVerifier(t, testSecret)
	ref := reference(t, testSecret)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := v.Verify(tc.header, tc.body)
			if !errors.Is(err, tc.want) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
			if strings.Contains(errString(err), testSecret[6:]) {
				t.Errorf("the error %q shows the secret", err)
			}
			var refErr error
			if tc.checkExpiryAt {
				// The reference checks against the real clock: shift the
				// delivery's time by as much as our clock is behind.
				shift := time.Since(signedAt)
				ts, _ := strconv.ParseInt(tc.header.Get(webhooks.HeaderTimestamp), 10, 64)
				h := referenceHeaders(t, testSecret, "msg_1", time.Unix(ts, 0).Add(shift), tc.body)
				refErr = ref.Verify(tc.body, h)
			} else {
				refErr = ref.VerifyIgnoringTimestamp(tc.body, tc.header)
			}
			if (refErr != nil) != tc.referenceToo {
				t.Errorf("the reference library gives %v; the test expects it to refuse: %v", refErr, tc.referenceToo)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestVerifyTolerance(t *testing.T) {
	body := typicalContactCreated
	for _, tc := range []struct {
		name   string
		offset time.Duration
		opts   []webhooks.Option
		ok     bool
	}{
		{"now", 0, nil, true},
		{"4m59s old", -(5*time.Minute - time.Second), nil, true},
		{"exactly 5m ahead", 5 * time.Minute, nil, true},
		{"5m1s ahead", 5*time.Minute + time.Second, nil, false},
		{"1h old with a 2h tolerance", -time.Hour, []webhooks.Option{webhooks.WithTolerance(2 * time.Hour)}, true},
		{"1m old with a 30s tolerance", -time.Minute, []webhooks.Option{webhooks.WithTolerance(30 * time.Second)}, false},
		{"a year old with the check off", -365 * 24 * time.Hour, []webhooks.Option{webhooks.WithTolerance(0)}, true},
	} {
		h := referenceHeaders(t, testSecret, "msg_1", signedAt.Add(tc.offset), body)
		err := newVerifier(t, testSecret, tc.opts...).Verify(h, body)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, webhooks.ErrExpired)) {
			t.Errorf("%s: Verify = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	// The clock is read at every call.
	now := signedAt.Add(time.Hour)
	v, err := webhooks.NewVerifier(testSecret, webhooks.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	h := referenceHeaders(t, testSecret, "msg_1", signedAt, body)
	if err := v.Verify(h, body); !errors.Is(err, webhooks.ErrExpired) {
		t.Errorf("an hour later: %v, want ErrExpired", err)
	}
	now = signedAt
	if err := v.Verify(h, body); err != nil {
		t.Errorf("back on time: %v", err)
	}
}

func TestVerifySeveralSignaturesAndSecrets(t *testing.T) {
	body := typicalContactCreated
	old, current := testSecret, "whsec_"+"bmV3IHNlY3JldCBhZnRlciByb3RhdGlvbg=="
	sigOld := referenceHeaders(t, old, "msg_1", signedAt, body).Get(webhooks.HeaderSignature)
	sigNew := referenceHeaders(t, current, "msg_1", signedAt, body).Get(webhooks.HeaderSignature)
	h := referenceHeaders(t, old, "msg_1", signedAt, body)

	// Loops sends both signatures during a rotation; any may match.
	for _, header := range []string{sigOld + " " + sigNew, sigNew + " " + sigOld, "v2,abc " + sigNew, "  " + sigNew + "  "} {
		h.Set(webhooks.HeaderSignature, header)
		if err := newVerifier(t, current).Verify(h, body); err != nil {
			t.Errorf("header %q: %v", header, err)
		}
	}
	// A verifier holding both secrets accepts either signature alone.
	both := newVerifier(t, current, webhooks.WithSecrets(old))
	for _, sig := range []string{sigOld, sigNew} {
		h.Set(webhooks.HeaderSignature, sig)
		if err := both.Verify(h, body); err != nil {
			t.Errorf("%q with both secrets: %v", sig, err)
		}
		if err := newVerifier(t, "whsec_"+"dGhpcmQgc2VjcmV0").Verify(h, body); !errors.Is(err, webhooks.ErrBadSignature) {
			t.Errorf("a third secret accepts %q: %v", sig, err)
		}
	}
}

func TestMalformedSecrets(t *testing.T) {
	for _, secret := range []string{"", "whsec_", "whsec_not*base64", "whsec_YWJj=x", "_"} {
		_, err := webhooks.NewVerifier(secret)
		if !errors.Is(err, webhooks.ErrMalformedSecret) {
			t.Errorf("NewVerifier(%q) = %v, want ErrMalformedSecret", secret, err)
		}
		_, err = webhooks.NewHandler(testSecret, ignore, webhooks.WithSecrets(secret))
		if !errors.Is(err, webhooks.ErrMalformedSecret) {
			t.Errorf("NewHandler with extra secret %q = %v, want ErrMalformedSecret", secret, err)
		}
	}
	_, err := webhooks.NewVerifier("whsec_c2VjcmV0IGtleSBtYXRlcmlhbA==!")
	if err == nil || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("error %v shows the secret", err)
	}
}
