package loops

import (
	"context"
	"iter"
)

// CampaignsService manages campaigns: /v1/campaigns. A campaign's content
// is its email message ([EmailMessagesService]).
type CampaignsService service

// List returns one page of campaigns, newest first.
func (s *CampaignsService) List(ctx context.Context, lo *ListOptions, opts ...CallOption) (*CampaignList, error) {
	return s.client.listCampaigns(ctx, "Campaigns.List", opts, lo)
}

// ListIter ranges over every campaign; opts apply to every page.
func (s *CampaignsService) ListIter(ctx context.Context, lo *ListOptions, opts ...CallOption) iter.Seq2[Campaign, error] {
	return paginate[Campaign](ctx, lo, opts, s.List)
}

// Create makes a draft campaign and its empty email message; the answer
// carries the message's revision for the first EmailMessages.Update.
func (s *CampaignsService) Create(ctx context.Context, req *CampaignCreateRequest, opts ...CallOption) (*CreatedCampaign, error) {
	return s.client.createCampaign(ctx, "Campaigns.Create", opts, req)
}

// Get returns one campaign.
func (s *CampaignsService) Get(ctx context.Context, campaignID string, opts ...CallOption) (*Campaign, error) {
	return s.client.getCampaign(ctx, "Campaigns.Get", opts, campaignID)
}

// Update changes a campaign: its name, group, audience or schedule. Setting
// a segment without a filter clears the filter, and the other way round.
// After sending, only the name and group can change ([ErrConflict]).
func (s *CampaignsService) Update(ctx context.Context, campaignID string, req *CampaignUpdateRequest, opts ...CallOption) (*Campaign, error) {
	return s.client.updateCampaign(ctx, "Campaigns.Update", opts, campaignID, req)
}

// Metrics returns a sent campaign's all-time metrics (the metrics API must
// be enabled for the team).
func (s *CampaignsService) Metrics(ctx context.Context, campaignID string, opts ...CallOption) (*EmailMetrics, error) {
	return s.client.getCampaignMetrics(ctx, "Campaigns.Metrics", opts, campaignID)
}
