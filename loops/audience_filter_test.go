package loops_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/loopsdev/loops-go/loops"
)

// conditionSchema is the contract's AudienceFilterCondition schema.
func conditionSchema(t testing.TB) *openapi3.Schema {
	t.Helper()
	return loops.Contract(t).Components.Schemas["AudienceFilterCondition"].Value
}

// Every kind of condition the builder makes encodes to JSON the contract
// accepts, and decodes back to the same typed value.
func TestAudienceFilterVariants(t *testing.T) {
	schema := conditionSchema(t)
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	p := loops.Property("plan")
	conds := map[string]loops.AudienceFilterCondition{
		"equals string": p.Equals("pro"), "equals number": p.Equals(3), "notEquals": p.NotEquals("free"),
		"contains": p.Contains("pr"), "notContains": p.NotContains("x"), "greaterThan": p.GreaterThan(2.5),
		"lessThan": p.LessThan(10), "after": p.After(day), "before": p.Before(day), "between": p.Between(day, day.AddDate(0, 1, 0)),
		"isTrue": p.IsTrue(), "isFalse": p.IsFalse(), "empty": p.Empty(), "notEmpty": p.NotEmpty(),
		"general form": p.Is(loops.PropertyConditionOperatorDateNotEmpty, nil),
		"opt-in":       loops.OptIn(loops.OptInStatusPending), "no opt-in status": loops.NoOptInStatus(),
		"activity":    loops.Activity(loops.ActivityConditionActionClicked, loops.ActivityConditionTargetCampaign, "cmp1", false),
		"no activity": loops.Activity(loops.ActivityConditionActionOpened, loops.ActivityConditionTargetWorkflowEmail, "n1", true),
	}
	for name, cond := range conds {
		t.Run(name, func(t *testing.T) {
			if err := cond.Validate(); err != nil {
				t.Fatalf("the builder made an invalid condition: %v", err)
			}
			raw, err := json.Marshal(cond)
			if err != nil {
				t.Fatal(err)
			}
			var generic any
			_ = json.Unmarshal(raw, &generic)
			if err := schema.VisitJSON(generic); err != nil {
				t.Errorf("%s: the contract refuses %s: %v", name, raw, err)
			}
			var back loops.AudienceFilterCondition
			if err := json.Unmarshal(raw, &back); err != nil {
				t.Fatal(err)
			}
			want, _ := cond.ValueByDiscriminator()
			got, err := back.ValueByDiscriminator()
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: decoded %#v (%v), want %#v", name, got, err, want)
			}
		})
	}
	// A value of the wrong kind is caught before sending.
	if err := loops.MatchAll(p.Equals(true)).Validate(); err == nil || !strings.Contains(err.Error(), "conditions[0].value") {
		t.Errorf("a boolean value: want a validation error on conditions[0].value, got %v", err)
	}
	if err := loops.MatchAll().Validate(); err == nil {
		t.Error("a filter without conditions must fail validation")
	}
}

// An answer holding a condition type Loops adds later still decodes; the
// unknown condition stays raw.
func TestAudienceFilterUnknownConditionDecodes(t *testing.T) {
	var seg loops.AudienceSegment
	body := `{"id":"s1","name":"S","description":null,"filter":{"match":"all","conditions":[{"type":"tag","tag":"vip"},{"type":"optIn","status":"accepted"}]},"createdAt":"x","updatedAt":"x"}`
	if err := json.Unmarshal([]byte(body), &seg); err != nil {
		t.Fatalf("an unknown condition type failed the whole answer: %v", err)
	}
	conds := seg.GetFilter().Conditions
	if len(conds) != 2 {
		t.Fatalf("%d conditions", len(conds))
	}
	if kind, _ := conds[0].Discriminator(); kind != "tag" {
		t.Errorf("the unknown condition's type reads %q", kind)
	}
	if _, err := conds[0].ValueByDiscriminator(); err == nil {
		t.Error("ValueByDiscriminator should report the unknown type")
	}
	v, err := conds[1].ValueByDiscriminator()
	if opt, ok := v.(loops.OptInCondition); err != nil || !ok || opt.GetStatus() != loops.OptInStatusAccepted {
		t.Errorf("the known condition: %v, %v", v, err)
	}
	raw, _ := json.Marshal(conds[0])
	if string(raw) != `{"type":"tag","tag":"vip"}` {
		t.Errorf("the raw condition re-encodes as %s", raw)
	}
}

// FuzzAudienceFilterDecode: decoding never panics, and what decodes
// re-encodes to JSON that decodes the same.
func FuzzAudienceFilterDecode(f *testing.F) {
	for _, seed := range []string{
		`{"match":"all","conditions":[{"type":"property","key":"a","operator":"between","value":{"from":"2026-01-01T00:00:00Z","to":"2026-02-01T00:00:00Z"}}]}`,
		`{"match":"any","conditions":[{"type":"optIn","status":null},{"type":"activity","action":"sent","negate":true,"target":"campaign","id":"x"}]}`,
		`{"match":"all","conditions":[{"type":"mystery"},7,null]}`, `{}`, `[]`, `null`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a loops.AudienceFilter
		if json.Unmarshal(data, &a) != nil {
			return
		}
		_ = a.Validate()
		for _, c := range a.Conditions {
			_, _ = c.ValueByDiscriminator()
		}
		again, err := json.Marshal(a)
		if err != nil {
			return // a raw condition that is not JSON cannot re-encode
		}
		var b loops.AudienceFilter
		if err := json.Unmarshal(again, &b); err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", again, err)
		}
		if c, _ := json.Marshal(b); string(c) != string(again) {
			t.Fatalf("not stable: %s then %s", again, c)
		}
	})
}
