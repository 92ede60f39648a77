// Package redislimiter holds one Loops rate limit for every process of a
// team, in Redis.
//
// Loops limits requests per team (10 a second, and 60 a minute for the
// content API), not per process. A fleet of processes that each pace
// themselves at 10 a second together send many times that, and the 429s
// cost latency and failed sends. A [Limiter] keeps the pace in Redis with
// GCRA (github.com/go-redis/redis_rate, one Lua script per request), so
// every process draws from the same budget, and a 429 seen by any of them
// pauses all of them.
//
// Wiring it into a client:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
//	client, err := loops.NewClient(apiKey,
//		loops.WithLimiter(redislimiter.New(rdb, redislimiter.WithPrefix("loops:team-42:"))),
//		loops.WithContentLimiter(redislimiter.NewContent(rdb, redislimiter.WithPrefix("loops:team-42:"))),
//	)
//
// When Redis does not answer, a Limiter by default paces this process
// locally at the share given by [WithFallbackRate] and logs the switch,
// so a brief outage does not stop email; it goes back to Redis as soon as
// Redis answers again. [WithFailClosed] makes Wait return the Redis error
// instead.
//
// Every exchange with Redis is bounded by the caller's ctx and by
// [WithRedisTimeout] (500 ms), whatever the client's redis.Options
// (go-redis itself honours a ctx deadline only with ContextTimeoutEnabled;
// the limiter does not need it). OnResponse never waits for Redis: a 429
// pauses this process at once, Redis or not, and the pause reaches the
// other processes through Redis from a goroutine. See [New].
//
// Keys, under the prefix (default "loops:ratelimit:"):
//
//	rate:<prefix>general        GCRA state of the general limit (redis_rate adds "rate:")
//	<prefix>general:pause       set after a 429; every Wait sleeps out its TTL
//	rate:<prefix>content        and <prefix>content:pause for the content budget
//
// Every key carries a TTL of at most about one window (or the pause), so
// nothing is left behind.
package redislimiter
