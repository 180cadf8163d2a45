package store

// The Redis ACL rules of the two users, kept here and nowhere else: the SAM templates and the
// test harness use these strings. Each is an access string without "on"/"off" and without a
// password (MemoryDB sets passwords through the user's AuthenticationMode). Both users reach
// only the keys of their leaderboard, may run go-redis's connection handshake (HELLO, PING)
// and discover the cluster: CLUSTER SLOTS / SHARDS for the topology, COMMAND for the key
// positions of each command, which the cluster client looks up once, and ASKING, which it
// sends before retrying a command that a slot migration (MemoryDB online resharding)
// redirected with ASK.
//
// The writer runs the record and checkpoint scripts (EVALSHA, falling back to EVAL once per
// script and connection) and the reads; the reader runs only read commands and read-only
// scripts (EVALSHA_RO / EVAL_RO), so it cannot change a count even through a script.
const (
	clusterDiscovery = "+ping +hello +command +cluster|slots +cluster|shards +asking"
)

// WriterAccess is the access string of the ingest (writer) user of leaderboard name.
func WriterAccess(name string) string {
	return "~" + KeyPrefix(name) + "* -@all +@read +@write -@dangerous +evalsha +eval +evalsha_ro +eval_ro " + clusterDiscovery
}

// ReaderAccess is the access string of the leaderboard (read-only) user of leaderboard name.
func ReaderAccess(name string) string {
	return "~" + KeyPrefix(name) + "* -@all +@read -@dangerous +evalsha_ro +eval_ro " + clusterDiscovery
}
