package redislimiter_test

import (
	"log"
	"os"

	"github.com/loopsdev/loops-go/contrib/redislimiter"
	"github.com/loopsdev/loops-go/loops"
	"github.com/redis/go-redis/v9"
)

// Every process of the team builds its client this way; they then share
// one general limit and one content budget in Redis (the README's wiring).
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	client, err := loops.NewClient(os.Getenv("LOOPS_API_KEY"),
		loops.WithLimiter(redislimiter.New(rdb, redislimiter.WithPrefix("loops:team-42:"))),
		loops.WithContentLimiter(redislimiter.NewContent(rdb, redislimiter.WithPrefix("loops:team-42:"))),
	)
	if err != nil {
		log.Fatal(err)
	}
	_ = client
}
