package loops

import "context"

// DedicatedSendingIPsService lists Loops' dedicated sending IP addresses:
// /v1/dedicated-sending-ips.
type DedicatedSendingIPsService service

// List returns the dedicated IP addresses Loops sends from. Shared IPs are
// not included and the list changes over time: allow-list with care.
func (s *DedicatedSendingIPsService) List(ctx context.Context, opts ...CallOption) ([]string, error) {
	return s.client.listDedicatedSendingIPs(ctx, "DedicatedSendingIPs.List", opts)
}
