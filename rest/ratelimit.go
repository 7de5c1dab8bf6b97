package rest

import (
	"context"
	"fmt"

	"golang.org/x/time/rate"
)

// newLimiter returns the token bucket for qps and burst, or nil (no limit)
// when qps is 0 or less: the API server's priority and fairness is the real
// guard, and a client-side limit mostly adds latency.
func newLimiter(qps float32, burst int) *rate.Limiter {
	if qps <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(qps), max(burst, 1))
}

// throttle waits for the limiter's permission to send; every attempt,
// retries included, takes a token.
func (c *Client) throttle(ctx context.Context) error {
	if c.limiter == nil {
		return nil
	}
	if err := c.limiter.Wait(ctx); err != nil {
		return fmt.Errorf("client-side rate limiter: %w", err)
	}
	return nil
}
