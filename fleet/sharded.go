package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kdyn/kdyn/dynamic"
)

// Sharding configures how the replicas of a fleet controller split its
// members. Every replica adds every member; each serves its share.
type Sharding struct {
	// Client reaches the management cluster that holds the replicas'
	// Leases. Required.
	Client *dynamic.Client
	// Namespace holds the Leases. "" means "default".
	Namespace string
	// Name names the group of replicas: their Leases carry it in the label
	// fleet.kdyn.dev/group and are named "<Name>-<Identity>". "" means
	// "kdyn-fleet".
	Name string
	// Identity is this replica's, unique in the group (a pod's name). ""
	// means the host name and a random suffix. It must make a valid Lease
	// name with Name.
	Identity string
	// LeaseDuration is how long a replica's Lease counts as held after its
	// last renewal, as the others observe it: a replica that stops renewing
	// loses its members to the others within LeaseDuration plus two
	// RenewPeriods. It is written in whole seconds, rounded up, to the
	// Lease. 0 means 15 s.
	LeaseDuration time.Duration
	// RenewPeriod is how often a replica renews its Lease and reads the
	// others'. 0 means a third of LeaseDuration.
	RenewPeriod time.Duration
	// Margin is how long before the others could see its Lease expire a
	// replica that could not renew gives its members up: it covers clocks
	// that run at different rates and the time Serve takes to return. 0
	// means a fifth of LeaseDuration.
	Margin time.Duration
}

func (s Sharding) withDefaults() (Sharding, error) {
	if s.Client == nil {
		return s, errors.New("fleet: Sharding.Client is required")
	}
	if s.Namespace == "" {
		s.Namespace = "default"
	}
	if s.Name == "" {
		s.Name = "kdyn-fleet"
	}
	if s.Identity == "" {
		s.Identity = defaultIdentity()
	}
	if s.LeaseDuration <= 0 {
		s.LeaseDuration = 15 * time.Second
	}
	if s.RenewPeriod <= 0 {
		s.RenewPeriod = s.LeaseDuration / 3
	}
	if s.Margin <= 0 {
		s.Margin = s.LeaseDuration / 5
	}
	if s.RenewPeriod+s.Margin >= s.LeaseDuration {
		return s, fmt.Errorf("fleet: Sharding.RenewPeriod (%v) plus Margin (%v) must be shorter than LeaseDuration (%v)",
			s.RenewPeriod, s.Margin, s.LeaseDuration)
	}
	if errs := validation.IsDNS1123Subdomain(s.leaseName()); len(errs) > 0 {
		return s, fmt.Errorf("fleet: Sharding.Name and Identity make the Lease name %q: %s", s.leaseName(), strings.Join(errs, "; "))
	}
	if errs := validation.IsValidLabelValue(s.Name); len(errs) > 0 {
		return s, fmt.Errorf("fleet: Sharding.Name %q is not a label value: %s", s.Name, strings.Join(errs, "; "))
	}
	return s, nil
}

func (s Sharding) leaseName() string { return s.Name + "-" + s.Identity }

// defaultIdentity is the host name, made a DNS label, and a random suffix.
func defaultIdentity() string {
	host, _ := os.Hostname()
	host = strings.Trim(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return '-'
	}, host), "-")
	if len(host) > 40 {
		host = host[:40]
	}
	if host == "" {
		host = "replica"
	}
	return host + "-" + randomHex(4)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// Sharded returns a Fleet that serves only this replica's share of its
// members, once Run has joined the replica group. Every replica adds
// every member; Cluster, Names, Each, Map and Options.Serve see only the
// members served here.
//
// A member is served by the live replica that rendezvous hashing ranks
// first for it. A replica is live while its Lease is renewed: the others
// time its renewals on their own clocks, so the replicas' wall clocks may
// disagree. No member is served twice at once:
//
//   - a replica serves nothing while its last successful renewal and read
//     of the others started more than LeaseDuration − Margin ago, which is
//     before any other replica may see its Lease expire;
//   - a replica that joins (or renews again after such a lapse) serves
//     nothing for its first LeaseDuration, by which time every replica
//     still serving has read its Lease and handed over its share: a member
//     moving to a joining replica is served by neither for that long;
//   - a replica that leaves (Run's context ends) stops serving, waits for
//     Serve to return, then deletes its Lease, and the others take over at
//     their next read.
//
// Members of a replica that stops renewing (killed, partitioned) are taken
// over within LeaseDuration plus two RenewPeriods of its last renewal.
func Sharded(opts Options, sh Sharding) (*Fleet, error) {
	sh, err := sh.withDefaults()
	if err != nil {
		return nil, err
	}
	f := New(opts)
	f.shard = newShard(f, sh)
	f.owns = f.shard.owns
	return f, nil
}

// Run serves the fleet's members until ctx ends, then stops serving them
// (see Close) and returns nil. For a sharded fleet it joins the replica
// group, keeps its Lease renewed and its share served, and when ctx ends
// leaves the group: it stops serving, waits for Serve to return, and
// deletes its Lease so that the others take over at once. Run may be
// called once.
func (f *Fleet) Run(ctx context.Context) error {
	if f.shard == nil {
		<-ctx.Done()
		f.Close()
		return nil
	}
	return f.shard.run(ctx)
}
