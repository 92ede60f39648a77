package webhooks_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/gen"
	"github.com/loopsdev/loops-go/loops/webhooks"
)

// typicalContactCreated is a contact.created payload as Loops sends it,
// with two custom properties.
var typicalContactCreated = []byte(`{"eventName":"contact.created","eventTime":1767225600,"webhookSchemaVersion":"1.0.0",` +
	`"contactIdentity":{"id":"cm9c0nt4ct0000000000abcd1","email":"alex@company.com","userId":"usr_7f8e9d0c1b2a"},` +
	`"contact":{"id":"cm9c0nt4ct0000000000abcd1","email":"alex@company.com","firstName":"Alex","lastName":"Smith",` +
	`"source":"API","subscribed":true,"userGroup":"","userId":"usr_7f8e9d0c1b2a","notes":null,` +
	`"mailingLists":{"cm06f5v0e45nf0ml5754o9cix":true},"optInStatus":"accepted","planName":"pro","seats":5}}`)

// benchDelivery signs the typical payload at a fixed time.
func benchDelivery(b *testing.B) (http.Header, time.Time) {
	at := time.Unix(1767225600, 0)
	sig, err := webhooks.Sign(testSecret, "msg_2Lh9Kf", at, typicalContactCreated)
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{}
	h.Set(webhooks.HeaderID, "msg_2Lh9Kf")
	h.Set(webhooks.HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(webhooks.HeaderSignature, sig)
	return h, at
}

// BenchmarkVerifyParse is the work of one delivery: verify the signature
// and decode a typical contact.created payload.
func BenchmarkVerifyParse(b *testing.B) {
	h, at := benchDelivery(b)
	v, err := webhooks.NewVerifier(testSecret, webhooks.WithClock(func() time.Time { return at }))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalContactCreated)))
	for b.Loop() {
		ev, err := v.Parse(h, typicalContactCreated)
		if err != nil {
			b.Fatal(err)
		}
		if ev.(*webhooks.ContactCreated).Contact.AdditionalProperties["planName"] != "pro" {
			b.Fatal("custom property lost")
		}
	}
}

// BenchmarkOfficialStyle does the same work the way the official SDK's
// design does it (our own code, not theirs): the signed content built with
// Sprintf, a fresh HMAC, base64 strings compared, no timestamp check, the
// body decoded into a map to find eventName and then into the generated
// model, whose custom properties go through a map of raw messages.
func BenchmarkOfficialStyle(b *testing.B) {
	h, _ := benchDelivery(b)
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(testSecret, "whsec_"))
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalContactCreated)))
	for b.Loop() {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(fmt.Sprintf("%s.%s.%s", h.Get(webhooks.HeaderID), h.Get(webhooks.HeaderTimestamp), typicalContactCreated)))
		want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		ok := false
		for _, entry := range strings.Split(h.Get(webhooks.HeaderSignature), " ") {
			if _, sig, _ := strings.Cut(entry, ","); hmac.Equal([]byte(sig), []byte(want)) {
				ok = true
			}
		}
		if !ok {
			b.Fatal("no match")
		}
		var generic map[string]any
		if err := json.Unmarshal(typicalContactCreated, &generic); err != nil || generic["eventName"] != "contact.created" {
			b.Fatal(err)
		}
		var ev gen.WebhookContactCreated
		if err := json.Unmarshal(typicalContactCreated, &ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse is decoding alone.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalContactCreated)))
	for b.Loop() {
		if _, err := webhooks.Parse(typicalContactCreated); err != nil {
			b.Fatal(err)
		}
	}
}
