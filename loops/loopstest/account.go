package loopstest

import (
	"net/http"
	"slices"

	"github.com/loopsdev/loops-go/loops"
)

func (s *Server) testAPIKey(*call) *response {
	return newJSON(http.StatusOK, loops.APIKeyResponse{Success: true, TeamName: s.cfg.teamName})
}

// mailingList is a list as GET /v1/lists returns it, its fields in Loops'
// order; loops.MailingList cannot carry the null description Loops sends
// for lists without one.
type mailingList struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
	IsPublic    bool    `json:"isPublic"`
}

func (s *Server) listMailingLists(*call) *response {
	out := make([]mailingList, len(s.cfg.lists))
	for i, l := range s.cfg.lists {
		out[i] = mailingList{ID: l.ID, Name: l.Name, IsPublic: l.IsPublic, Description: l.Description}
	}
	return newJSON(http.StatusOK, out)
}

// listDedicatedIPs answers through the contract, which makes no IPs [].
func (s *Server) listDedicatedIPs(c *call) *response { return s.answer(c.rt, s.cfg.ips) }

// listExists reports whether the team has the mailing list listID.
func (s *Server) listExists(listID string) bool {
	return slices.ContainsFunc(s.cfg.lists, func(l loops.MailingList) bool { return l.ID == listID })
}
