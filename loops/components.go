package loops

import (
	"context"
	"iter"
)

// ComponentsService manages reusable LMX blocks: /v1/components.
type ComponentsService service

// List returns one page of components.
func (s *ComponentsService) List(ctx context.Context, lo *ListOptions, opts ...CallOption) (*ComponentList, error) {
	return s.client.listComponents(ctx, "Components.List", opts, lo)
}

// ListIter ranges over every component; opts apply to every page.
func (s *ComponentsService) ListIter(ctx context.Context, lo *ListOptions, opts ...CallOption) iter.Seq2[Component, error] {
	return paginate[Component](ctx, lo, opts, s.List)
}

// Get returns one component.
func (s *ComponentsService) Get(ctx context.Context, componentID string, opts ...CallOption) (*Component, error) {
	return s.client.getComponent(ctx, "Components.Get", opts, componentID)
}

// Create makes a component. LMX over 100 KB is refused locally.
func (s *ComponentsService) Create(ctx context.Context, req *ComponentCreateRequest, opts ...CallOption) (*Component, error) {
	if req != nil {
		if err := checkLMX("Components.Create", req.Lmx); err != nil {
			return nil, err
		}
	}
	return s.client.createComponent(ctx, "Components.Create", opts, req)
}

// Update changes a component, and so every email that uses it. A change
// that would break emails is a 422 whose [APIError.Details] lists the
// InvalidTags.
func (s *ComponentsService) Update(ctx context.Context, componentID string, req *ComponentUpdateRequest, opts ...CallOption) (*ComponentUpdate, error) {
	if err := checkLMX("Components.Update", req.GetLmx()); err != nil {
		return nil, err
	}
	return s.client.updateComponent(ctx, "Components.Update", opts, componentID, req)
}
