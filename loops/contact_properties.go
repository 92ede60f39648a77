package loops

import (
	"context"

	"github.com/loopsdev/loops-go/gen"
)

// List returns the team's contact properties: [ContactPropertyFilterAll] (the
// standard ones and the custom ones; also what "" means) or only
// [ContactPropertyFilterCustom].
func (s *ContactPropertiesService) List(ctx context.Context, filter ContactPropertyFilter, opts ...CallOption) ([]ContactProperty, error) {
	const op = "ContactProperties.List"
	var params gen.ListContactPropertiesParams
	if filter != "" {
		if !filter.Valid() {
			return nil, invalid(op, "list", quote(string(filter))+" is neither "+quote(string(ContactPropertyFilterAll))+" nor "+quote(string(ContactPropertyFilterCustom)))
		}
		params.List = &filter
	}
	return clientOf(s).listContactProperties(ctx, op, opts, &params)
}

// Create adds a custom contact property. Name it in camelCase, such as
// "planName"; typ is one of the PropertyType constants.
func (s *ContactPropertiesService) Create(ctx context.Context, name string, typ ContactPropertyType, opts ...CallOption) error {
	return clientOf(s).createContactProperty(ctx, "ContactProperties.Create", opts, &ContactPropertyCreateRequest{Name: name, Type: typ})
}
