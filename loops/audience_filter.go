package loops

import (
	"encoding/json"
	"time"
)

// Audience filters read like the rule they build:
//
//	filter := loops.MatchAll(loops.Property("planName").Equals("pro"), loops.OptIn(loops.OptInStatusAccepted))
//
// A condition is a gen union (AudienceFilterCondition); read one from an
// answer with its Value method, which gives a *PropertyCondition,
// *OptInCondition or *ActivityCondition. A condition type Loops adds later
// is an *UnknownAudienceFilterCondition holding the raw JSON: the answer
// still decodes.

// MatchAll returns a filter that holds for a contact when every condition does.
func MatchAll(conds ...AudienceFilterCondition) *AudienceFilter {
	return &AudienceFilter{Match: AudienceFilterMatchAll, Conditions: conds}
}

// MatchAny returns a filter that holds for a contact when any condition does.
func MatchAny(conds ...AudienceFilterCondition) *AudienceFilter {
	return &AudienceFilter{Match: AudienceFilterMatchAny, Conditions: conds}
}

// PropertyTest builds conditions on one contact property; start one with
// [Property].
type PropertyTest struct{ key string }

// Property starts a condition on the contact property key, such as "planName".
func Property(key string) PropertyTest { return PropertyTest{key} }

// Is is the general form of a property condition: op compared with value,
// which is a string, a number, a time (sent as RFC 3339), a
// [PropertyConditionRange], or nil for operators that take none. Any other
// value fails local validation before anything is sent.
func (p PropertyTest) Is(op PropertyConditionOperator, value any) AudienceFilterCondition {
	cond := PropertyCondition{Type: PropertyConditionTypeProperty, Key: p.key, Operator: op}
	if value != nil {
		if t, ok := value.(time.Time); ok {
			value = t.Format(time.RFC3339)
		}
		b, _ := json.Marshal(value)
		cond.Value = &PropertyConditionValue{}
		_ = cond.Value.UnmarshalJSON(b) // kept raw; Validate checks its kind
	}
	var c AudienceFilterCondition
	_ = c.FromPropertyCondition(cond) // a struct of plain fields always encodes
	return c
}

// Equals matches contacts whose property equals v (a string or a number).
func (p PropertyTest) Equals(v any) AudienceFilterCondition {
	return p.Is(PropertyConditionOperatorEquals, v)
}

// NotEquals matches contacts whose property differs from v.
func (p PropertyTest) NotEquals(v any) AudienceFilterCondition {
	return p.Is(PropertyConditionOperatorNotEquals, v)
}

// Contains matches contacts whose property contains s.
func (p PropertyTest) Contains(s string) AudienceFilterCondition {
	return p.Is(PropertyConditionOperatorContains, s)
}

// NotContains matches contacts whose property does not contain s.
func (p PropertyTest) NotContains(s string) AudienceFilterCondition {
	return p.Is(PropertyConditionOperatorNotContains, s)
}

// GreaterThan matches contacts whose number property is above n.
func (p PropertyTest) GreaterThan(n float64) AudienceFilterCondition {
	return p.Is(PropertyConditionOperatorGreaterThan, n)
}

// LessThan matches contacts whose number property is below n.
func (p PropertyTest) LessThan(n float64) AudienceFilterCondition {
	return p.Is(PropertyConditionOperatorLessThan, n)
}

// After matches contacts whose date property is after t.
func (p PropertyTest) After(t time.Time) AudienceFilterCondition {
	return p.Is(PropertyConditionOperatorAfter, t)
}

// Before matches contacts whose date property is before t.
func (p PropertyTest) Before(t time.Time) AudienceFilterCondition {
	return p.Is(PropertyConditionOperatorBefore, t)
}

// Between matches contacts whose date property lies from from to to.
func (p PropertyTest) Between(from, to time.Time) AudienceFilterCondition {
	return p.Is(PropertyConditionOperatorBetween, PropertyConditionRange{From: from, To: to})
}

// IsTrue matches contacts whose boolean property is true.
func (p PropertyTest) IsTrue() AudienceFilterCondition {
	return p.Is(PropertyConditionOperatorIsTrue, nil)
}

// IsFalse matches contacts whose boolean property is false.
func (p PropertyTest) IsFalse() AudienceFilterCondition {
	return p.Is(PropertyConditionOperatorIsFalse, nil)
}

// Empty matches contacts whose property is empty.
func (p PropertyTest) Empty() AudienceFilterCondition {
	return p.Is(PropertyConditionOperatorEmpty, nil)
}

// NotEmpty matches contacts whose property has a value.
func (p PropertyTest) NotEmpty() AudienceFilterCondition {
	return p.Is(PropertyConditionOperatorNotEmpty, nil)
}

// OptIn matches contacts by double opt-in status.
func OptIn(status OptInStatus) AudienceFilterCondition { return optIn(Value(status)) }

// NoOptInStatus matches contacts that have no double opt-in status.
func NoOptInStatus() AudienceFilterCondition { return optIn(Null[OptInStatus]()) }

func optIn(status Nullable[OptInStatus]) AudienceFilterCondition {
	var c AudienceFilterCondition
	_ = c.FromOptInCondition(OptInCondition{Type: OptInConditionTypeOptIn, Status: status})
	return c
}

// Activity matches contacts who did action (sent, opened, clicked) with the
// campaign, workflow or workflow email id; negate matches those who did not.
func Activity(action ActivityConditionAction, target ActivityConditionTarget, id string, negate bool) AudienceFilterCondition {
	var c AudienceFilterCondition
	_ = c.FromActivityCondition(ActivityCondition{Type: ActivityConditionTypeActivity, Action: action, Target: target, ID: id, Negate: negate})
	return c
}
