package fleet

import (
	"context"
	"time"

	"github.com/kdyn/kdyn/cache"
	"github.com/kdyn/kdyn/discovery"
	"github.com/kdyn/kdyn/dynamic"
	"github.com/kdyn/kdyn/restmapper"
)

// Options configure a Fleet. The zero value is ready to use.
type Options struct {
	// Discovery configures each member's discovery client. Its TTL (10
	// minutes if zero) is spread by up to a tenth per member, so that
	// members added together do not all revalidate in the same instant.
	// Its Store, if nil, is one the fleet makes, so that members whose
	// documents are byte for byte equal share them; its Gate, if nil, is
	// the fleet's (see Limits).
	Discovery discovery.Options
	// Mapper configures each member's REST mapper. Its Store, if nil, is
	// one the fleet makes, so that members that share their discovery
	// documents share their indexes too.
	Mapper restmapper.Options
	// Dynamic configures each member's dynamic client.
	Dynamic dynamic.Options
	// Cache configures each member's informer cache. Its ListGate, if nil,
	// is the fleet's (see Limits and ListGate).
	Cache cache.Options

	// Parallelism bounds how many members Each and Map work on at once.
	// 0 means 16.
	Parallelism int
	// EachTimeout bounds each member's call in Each and Map, so that a
	// cluster that hangs gives its error after it while the others have
	// long answered. 0 means no bound beyond the caller's context.
	EachTimeout time.Duration

	// Limits bound the requests of all members together.
	Limits Limits

	// Serve, if not nil, runs in a goroutine of its own for each member from
	// the moment the fleet serves it (Add, or for a sharded fleet, the
	// member's share coming to this replica) until ctx is done (Remove, the
	// member handed over to another replica, Close); it must then return
	// promptly, since a sharded fleet hands the member over on the
	// assumption that it has. This is where a controller starts its work for
	// one cluster (informers, reconcilers). nil runs nothing.
	Serve func(ctx context.Context, m *Member)
}

func (o Options) withDefaults() Options {
	if o.Parallelism <= 0 {
		o.Parallelism = 16
	}
	if o.Discovery.TTL <= 0 {
		o.Discovery.TTL = 10 * time.Minute
	}
	if o.Discovery.Store == nil {
		o.Discovery.Store = discovery.NewStore()
	}
	if o.Mapper.Store == nil {
		o.Mapper.Store = restmapper.NewStore()
	}
	o.Limits = o.Limits.withDefaults()
	return o
}
