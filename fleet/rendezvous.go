package fleet

import "hash/fnv"

// owner returns the replica that rendezvous (highest random weight) hashing
// gives member among replicas, "" when there is none. Every replica
// computes the same answer from the same set, in any order, and a replica
// joining or leaving moves only the members it wins or held: about 1/n of
// them.
func owner(member string, replicas []string) string {
	var best string
	var bestScore uint64
	for _, r := range replicas {
		if s := score(member, r); best == "" || s > bestScore || s == bestScore && r < best {
			best, bestScore = r, s
		}
	}
	return best
}

// score is the weight of replica for member: the same in every process,
// which a seeded hash (hash/maphash) would not be.
func score(member, replica string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(member))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(replica))
	return mix(h.Sum64())
}

// mix is SplitMix64's finalizer: FNV's low bits vary too little between
// names that differ in their last byte for the weights to be independent.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
