package loopstest_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/loops/loopstest"
)

var welcome = loopstest.TransactionalEmail{
	ID: "tx_welcome", Name: "Welcome", DataVariables: []string{"name", "url"},
	LastUpdated: time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC),
}

func TestTransactionalSend(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithTransactionalEmails(welcome))
	c := newClient(t, srv)

	pdf := []byte("%PDF-1.7")
	c.do("POST", "/v1/transactional", map[string]any{
		"transactionalId": "tx_welcome", "email": "new@example.com", "addToAudience": true,
		"dataVariables": map[string]any{"name": "Ann", "url": "https://example.com", "items": []map[string]any{{"sku": "a", "qty": 2}}},
		"attachments":   []map[string]any{{"filename": "a.pdf", "contentType": "application/pdf", "data": base64.StdEncoding.EncodeToString(pdf)}},
	}, "Idempotency-Key", "tx-1").want(t, http.StatusOK)

	sends := srv.TransactionalSends()
	if len(sends) != 1 {
		t.Fatalf("%d sends", len(sends))
	}
	s := sends[0]
	if s.TransactionalID != "tx_welcome" || s.Email != "new@example.com" || !s.AddToAudience || s.IdempotencyKey != "tx-1" ||
		s.DataVariables["name"] != "Ann" || len(s.Attachments) != 1 || string(s.Attachments[0].Data) != string(pdf) {
		t.Errorf("send %+v", s)
	}
	if _, ok := srv.Contact("new@example.com"); !ok {
		t.Error("addToAudience did not create the contact")
	}
	c.do("POST", "/v1/transactional", map[string]any{
		"transactionalId": "tx_welcome", "email": "new@example.com", "dataVariables": map[string]any{"name": "Ann", "url": "u"},
	}, "Idempotency-Key", "tx-1").want(t, http.StatusConflict)
	if srv.IdempotencyCount("tx-1") != 1 || len(srv.TransactionalSends()) != 1 {
		t.Error("a reused key was processed again")
	}
}

func TestTransactionalErrorShapes(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithTransactionalEmails(welcome,
		loopstest.TransactionalEmail{ID: "tx_draft", Name: "Draft", Draft: true}))
	c := newClient(t, srv)

	res := c.do("POST", "/v1/transactional", map[string]any{"transactionalId": "nope", "email": "a@example.com"}).
		want(t, http.StatusNotFound)
	if want := `{"success":false,"message":"Transactional email not found","error":{"path":"transactionalId","message":"Transactional email not found"}}`; string(res.body) != want {
		t.Errorf("404 body %s\nwant %s", res.body, want)
	}

	res = c.do("POST", "/v1/transactional", map[string]any{
		"transactionalId": "tx_welcome", "email": "a@example.com", "dataVariables": map[string]any{"url": "u"},
	}, "Idempotency-Key", "retry-me").want(t, http.StatusBadRequest)
	if want := `{"success":false,"message":"Missing required fields: name","path":"dataVariables"}`; string(res.body) != want {
		t.Errorf("400 body %s\nwant %s", res.body, want)
	}
	// A refused request does not use up its key.
	c.do("POST", "/v1/transactional", map[string]any{
		"transactionalId": "tx_welcome", "email": "a@example.com", "dataVariables": map[string]any{"url": "u", "name": ""},
	}, "Idempotency-Key", "retry-me").want(t, http.StatusOK)

	c.do("POST", "/v1/transactional", map[string]any{"transactionalId": "tx_draft", "email": "a@example.com"}).
		want(t, http.StatusBadRequest)
	if n := len(srv.TransactionalSends()); n != 1 {
		t.Errorf("%d sends", n)
	}
	if _, ok := srv.Contact("a@example.com"); ok {
		t.Error("a send without addToAudience created a contact")
	}
}

// page is the list answer, decoded loosely to see nulls.
type page struct {
	Pagination struct {
		TotalResults, ReturnedResults, PerPage, TotalPages int
		NextCursor, NextPage                               *string
	}
	Data []struct {
		ID, Name, LastUpdated string
		DataVariables         []string
	}
}

func TestTransactionalListPagination(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var emails []loopstest.TransactionalEmail
	for i := range 25 {
		emails = append(emails, loopstest.TransactionalEmail{
			ID: fmt.Sprintf("tx%02d", i), Name: fmt.Sprintf("Email %d", i), LastUpdated: base.Add(time.Duration(i) * time.Hour),
		})
	}
	emails = append(emails, loopstest.TransactionalEmail{ID: "draft", Draft: true})
	srv := loopstest.NewServer(t, loopstest.WithTransactionalEmails(emails...))
	c := newClient(t, srv)

	var ids []string
	query := "?perPage=10"
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("pagination does not end")
		}
		var p page
		c.do("GET", "/v1/transactional"+query, nil).want(t, http.StatusOK).decode(t, &p)
		if p.Pagination.TotalResults != 25 || p.Pagination.TotalPages != 3 || p.Pagination.PerPage != 10 ||
			p.Pagination.ReturnedResults != len(p.Data) {
			t.Errorf("pagination %+v", p.Pagination)
		}
		for _, d := range p.Data {
			ids = append(ids, d.ID)
		}
		if p.Pagination.NextCursor == nil {
			if p.Pagination.NextPage != nil {
				t.Error("nextPage without nextCursor")
			}
			break
		}
		next, err := url.Parse(*p.Pagination.NextPage)
		if err != nil || next.Query().Get("cursor") != *p.Pagination.NextCursor || !strings.HasSuffix(next.Path, "/api/v1/transactional") {
			t.Errorf("nextPage %q", *p.Pagination.NextPage)
		}
		query = "?perPage=10&cursor=" + url.QueryEscape(*p.Pagination.NextCursor)
	}
	if len(ids) != 25 || ids[0] != "tx24" || ids[24] != "tx00" {
		t.Errorf("listed %v, want tx24 … tx00", ids)
	}

	var first page
	c.do("GET", "/v1/transactional", nil).want(t, http.StatusOK).decode(t, &first)
	if first.Pagination.PerPage != 20 || len(first.Data) != 20 || first.Data[0].LastUpdated != "2026-01-02T00:00:00.000Z" {
		t.Errorf("default page %+v", first.Pagination)
	}
	c.do("GET", "/v1/transactional?cursor=bogus", nil).want(t, http.StatusBadRequest)
	c.do("GET", "/v1/transactional?cursor=dHgwMQ", nil).want(t, http.StatusBadRequest) // base64 of a bare ID
}

func TestTransactionalListEmpty(t *testing.T) {
	srv := loopstest.NewServer(t)
	res := newClient(t, srv).do("GET", "/v1/transactional?perPage=50", nil).want(t, http.StatusOK)
	want := `{"pagination":{"totalResults":0,"returnedResults":0,"perPage":50,"totalPages":0,"nextCursor":null,"nextPage":null},"data":[]}`
	var got, exp any
	if err := json.Unmarshal(res.body, &got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(want), &exp)
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("body %s, want %s", res.body, want)
	}
}
