package main

import (
	"context"
	"net/http"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// demoTeam is the team name the fake reports, so that the server's
// instructions make the mode plain.
const demoTeam = "Demo team (loopstest, in-process: nothing reaches Loops)"

// demo starts an in-process fake of Loops with sample data and a client
// for it, through the fake's in-memory transport (no port is opened).
func demo(ctx context.Context) (*loopstest.Server, *loops.Client, error) {
	fake := loopstest.New(
		loopstest.WithoutListener(),
		loopstest.WithTeamName(demoTeam),
		loopstest.WithTransactionalEmails(loopstest.TransactionalEmail{
			ID: "welcome-email", Name: "Welcome", DataVariables: []string{"firstName"},
		}),
	)
	client, err := loops.NewClient(fake.APIKey(),
		loops.WithBaseURL(fake.URL()),
		loops.WithHTTPClient(&http.Client{Transport: fake.Transport()}),
	)
	if err != nil {
		fake.Close()
		return nil, nil, err
	}
	for _, c := range []map[string]any{
		{"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace", "userGroup": "pro", "userId": "user_ada"},
		{"email": "grace@example.com", "firstName": "Grace", "lastName": "Hopper", "userGroup": "free"},
		{"email": "alan@example.com", "firstName": "Alan", "subscribed": false},
	} {
		if err := client.Do(ctx, http.MethodPost, "/v1/contacts/create", c, nil); err != nil {
			fake.Close()
			return nil, nil, err
		}
	}
	return fake, client, nil
}
