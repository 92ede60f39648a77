package loops

// Version is the SDK's version, sent in the default User-Agent.
const Version = "0.2.0"

// DefaultUserAgent identifies the SDK to Loops. A distinct User-Agent
// matters: Cloudflare in front of the API blocks some library defaults.
const DefaultUserAgent = "loops-go/" + Version

// DefaultBaseURL is the root of the Loops API; operation paths start /v1/.
const DefaultBaseURL = "https://app.loops.so/api"
