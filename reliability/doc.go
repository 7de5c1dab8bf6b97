// Package reliability holds kdyn's reliability and security tests and no
// library code: a fault-injection run of rest and dynamic against the
// fixture server, partial discovery outages through the mapper and the
// dynamic client, secrets that must never leak, and a load test.
//
// The figures these tests log are collected in RELIABILITY.md at the root of
// the repository, with the commands that reproduce them.
package reliability
