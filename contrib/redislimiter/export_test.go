package redislimiter

// AwaitPauseWrites returns once l has written to Redis (or failed to) every
// pause that OnResponse handed it, so that a test can look at Redis.
func AwaitPauseWrites(l *Limiter) { l.writes.Wait() }
