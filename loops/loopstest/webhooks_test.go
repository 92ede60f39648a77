package loopstest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// hangingEndpoint accepts webhook deliveries and never answers them; each
// arrival is signalled on the returned channel.
func hangingEndpoint(t *testing.T) (string, <-chan struct{}) {
	t.Helper()
	arrived, release := make(chan struct{}, 16), make(chan struct{})
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); endpoint.Close() })
	return endpoint.URL, arrived
}

// createContact makes a request that delivers contact.created and reports
// when it is answered.
func createContact(t *testing.T, srv *loopstest.Server) <-chan error {
	done := make(chan error, 1)
	c := srv.Client(t)
	go func() {
		_, err := c.Contacts.Create(context.Background(), &loops.ContactCreateRequest{Email: "ada@example.com"})
		done <- err
	}()
	return done
}

// Real time is what these test (a client timeout, a server closing), with
// bounds far below the default webhook timeout and generous margins.
const generous = 5 * time.Second

func TestWebhookDeliveryIsBoundedByItsTimeout(t *testing.T) {
	url, arrived := hangingEndpoint(t)
	srv := loopstest.NewServer(t, loopstest.WithWebhookEndpoint(url), loopstest.WithWebhookTimeout(50*time.Millisecond))
	done := createContact(t, srv)
	<-arrived
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the request whose delivery timed out: %v", err)
		}
	case <-time.After(generous):
		t.Fatal("a request is held by an endpoint that never answers, past the webhook timeout")
	}
}

func TestCloseEndsAHangingWebhookDelivery(t *testing.T) {
	url, arrived := hangingEndpoint(t)
	srv := loopstest.New(loopstest.WithWebhookEndpoint(url)) // the default timeout, 10 s
	done := createContact(t, srv)
	<-arrived
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(generous):
		t.Fatal("Close waits on a webhook endpoint that never answers")
	}
	select {
	case <-done:
	case <-time.After(generous):
		t.Fatal("the request never returned")
	}
}
