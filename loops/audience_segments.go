package loops

import (
	"context"
	"iter"
)

// AudienceSegmentsService manages saved audience filters:
// /v1/audience-segments.
type AudienceSegmentsService service

// List returns one page of segments.
func (s *AudienceSegmentsService) List(ctx context.Context, lo *ListOptions, opts ...CallOption) (*AudienceSegmentList, error) {
	return s.client.listAudienceSegments(ctx, "AudienceSegments.List", opts, lo)
}

// ListIter ranges over every segment; opts apply to every page.
func (s *AudienceSegmentsService) ListIter(ctx context.Context, lo *ListOptions, opts ...CallOption) iter.Seq2[AudienceSegment, error] {
	return paginate[AudienceSegment](ctx, lo, opts, s.List)
}

// Get returns one segment.
func (s *AudienceSegmentsService) Get(ctx context.Context, audienceSegmentID string, opts ...CallOption) (*AudienceSegment, error) {
	return s.client.getAudienceSegment(ctx, "AudienceSegments.Get", opts, audienceSegmentID)
}

// Create saves a segment; build its filter with [MatchAll] or [MatchAny].
func (s *AudienceSegmentsService) Create(ctx context.Context, req *AudienceSegmentCreateRequest, opts ...CallOption) (*AudienceSegment, error) {
	return s.client.createAudienceSegment(ctx, "AudienceSegments.Create", opts, req)
}
