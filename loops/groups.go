package loops

import (
	"context"
	"iter"
)

// GroupsService manages one family of groups, the folders that organise
// campaigns (client.CampaignGroups, /v1/campaign-groups) or transactional
// emails (client.TransactionalGroups, /v1/transactional-groups). The name
// "Unsorted" is reserved.
type GroupsService struct {
	client *Client
	family string // for errors: "CampaignGroups"
	list   func(*Client, context.Context, string, []CallOption, *ListOptions) (*GroupList, error)
	create func(*Client, context.Context, string, []CallOption, *GroupCreateRequest) (*Group, error)
	get    func(*Client, context.Context, string, []CallOption, string) (*Group, error)
	update func(*Client, context.Context, string, []CallOption, string, *GroupUpdateRequest) (*Group, error)
}

// List returns one page of groups.
func (s *GroupsService) List(ctx context.Context, lo *ListOptions, opts ...CallOption) (*GroupList, error) {
	return s.list(s.client, ctx, s.family+".List", opts, lo)
}

// ListIter ranges over every group; opts apply to every page.
func (s *GroupsService) ListIter(ctx context.Context, lo *ListOptions, opts ...CallOption) iter.Seq2[Group, error] {
	return paginate[Group](ctx, lo, opts, s.List)
}

// Create makes a group.
func (s *GroupsService) Create(ctx context.Context, req *GroupCreateRequest, opts ...CallOption) (*Group, error) {
	return s.create(s.client, ctx, s.family+".Create", opts, req)
}

// Get returns one group.
func (s *GroupsService) Get(ctx context.Context, groupID string, opts ...CallOption) (*Group, error) {
	return s.get(s.client, ctx, s.family+".Get", opts, groupID)
}

// Update changes a group's name or description; fields left nil stay.
func (s *GroupsService) Update(ctx context.Context, groupID string, req *GroupUpdateRequest, opts ...CallOption) (*Group, error) {
	return s.update(s.client, ctx, s.family+".Update", opts, groupID, req)
}
