package loopstest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// Themes, components, uploads and event patterns. Uploads store their
// bytes on the fake itself, under storagePrefix, as Loops' presigned URLs
// point at storage outside the API.

var (
	themes     = register(&kind{path: "/v1/themes", noun: "Theme"})
	components = register(&kind{path: "/v1/components", noun: "Component",
		create: func(_ *Server, _ *call, obj object) *response { return checkComponent(obj, obj) },
		update: func(_ *Server, _ *call, obj, patch object) *response { return checkComponent(obj, patch) }})
	uploads       = register(&kind{path: "/v1/uploads", noun: "Upload", create: createUpload})
	eventPatterns = register(&kind{path: "/v1/event-patterns", noun: "Event pattern"})
)

// storagePrefix is where the fake's presigned URLs point; the journal
// names every storage request "PUT /storage", which Inject takes too.
const storagePrefix = "/storage/"

// createUpload gives an upload its presigned URL, with a random signature.
func createUpload(s *Server, c *call, obj object) *response {
	sig := make([]byte, 8)
	_, _ = rand.Read(sig)
	obj["emailAssetId"] = obj["id"]
	obj["presignedUrl"] = "http://" + c.r.Host + storagePrefix + obj["id"].(string) + "?X-Loopstest-Signature=" + hex.EncodeToString(sig)
	return nil
}

// checkComponent refuses what checkLMX refuses, and LMX that drops a tag
// emails rely on (422 with invalidTags; a test seeds those as
// "_requiredTags").
func checkComponent(obj, change object) *response {
	lmx, ok := change["lmx"].(string)
	if !ok {
		return nil
	}
	if bad := checkLMX(lmx); bad != nil {
		return bad
	}
	var missing []string
	for _, tag := range as[[]string](obj["_requiredTags"]) {
		if !strings.Contains(lmx, tag) {
			missing = append(missing, tag)
		}
	}
	if len(missing) > 0 {
		return newJSON(http.StatusUnprocessableEntity, map[string]any{"message": "This change would break emails that use the component.", "invalidTags": missing})
	}
	return nil
}

// storeBytes is the presigned URL's storage: it takes a PUT of exactly the
// declared type and length for an upload the API created.
func (s *Server) storeBytes(x *exchange) *response {
	id := strings.TrimPrefix(x.r.URL.Path, storagePrefix)
	s.mu.Lock()
	defer s.mu.Unlock()
	up, _ := s.object(uploads, id)
	switch {
	case x.r.Method != http.MethodPut || up == nil:
		return failure(http.StatusForbidden, "Signature does not match.")
	case x.r.Header.Get("Content-Type") != up["contentType"] || x.r.Header.Get("Content-Length") != strconv.Itoa(len(x.body)) || float64(len(x.body)) != up["contentLength"]:
		return failure(http.StatusBadRequest, "Content-Type or Content-Length differs from the upload's.")
	}
	up["_stored"] = true
	return &response{status: http.StatusOK, header: http.Header{}}
}

func completeUpload(s *Server, c *call, up object) *response {
	if up["_stored"] != true {
		return failure(http.StatusBadRequest, "The file has not been uploaded.")
	}
	ext := strings.TrimPrefix(str(up["contentType"]), "image/")
	return s.answer(c.rt, object{"emailAssetId": up["id"], "finalUrl": "https://assets.loopstest.invalid/" + str(up["id"]) + "." + ext})
}

func (s *Server) eventPatternByName(c *call) *response {
	for _, obj := range s.collection(eventPatterns).byID {
		if obj["eventName"] == c.rt.params["eventName"] {
			return s.answer(c.rt, obj)
		}
	}
	return failure(http.StatusNotFound, "Event pattern not found")
}
