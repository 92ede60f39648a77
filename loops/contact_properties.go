package loops

import (
	"context"
	"net/http"

	"github.com/loopsdev/loops-go/gen"
)

// ContactPropertiesService lists and creates contact properties:
// /v1/contacts/properties.
type ContactPropertiesService service

// List returns the team's contact properties: [AllProperties] (the
// standard ones and the custom ones; also what "" means) or only
// [CustomProperties].
func (s *ContactPropertiesService) List(ctx context.Context, filter ContactPropertyFilter, opts ...CallOption) ([]ContactProperty, error) {
	const op = "ContactProperties.List"
	var params gen.ListContactPropertiesParams
	if filter != "" {
		if !filter.Valid() {
			return nil, invalid(op, "list", quote(string(filter))+" is neither "+quote(string(AllProperties))+" nor "+quote(string(CustomProperties)))
		}
		params.List = &filter
	}
	return callList[ContactProperty](ctx, s.client, op, opts, func(ctx context.Context) (*http.Response, error) {
		return s.client.gen.ListContactProperties(ctx, &params)
	})
}

// Create adds a custom contact property. Name it in camelCase, such as
// "planName"; typ is one of the PropertyType constants.
func (s *ContactPropertiesService) Create(ctx context.Context, name string, typ ContactPropertyType, opts ...CallOption) (*SuccessResponse, error) {
	const op = "ContactProperties.Create"
	if err := checkRequired(op, "name", name); err != nil {
		return nil, err
	}
	if !typ.Valid() {
		return nil, invalid(op, "type", quote(string(typ))+" is not one of string, number, boolean, date")
	}
	return call[SuccessResponse](ctx, s.client, op, opts, func(ctx context.Context) (*http.Response, error) {
		return s.client.gen.CreateContactProperty(ctx, gen.ContactPropertyCreateRequest{Name: name, Type: typ})
	})
}
