package store

// The Redis ACL rules of the two users, kept here and nowhere else: the SAM templates and the
// test harness use these strings. Each is an access string without "on"/"off" and without a
// password (MemoryDB sets passwords through the user's AuthenticationMode), naming no command
// MemoryDB restricts, so MemoryDB and a plain redis-server accept it alike.
//
// Both users reach only the keys of their leaderboard ("~{name}:*"), may run go-redis's
// connection handshake (HELLO, PING) and discover the cluster: CLUSTER SLOTS / SHARDS for the
// topology, COMMAND for the key positions of each command, which the cluster client looks up
// once, and ASKING, which it sends before retrying a command that a slot migration (MemoryDB
// online resharding) redirected with ASK.
//
// Neither may learn key names outside its pattern: SCAN, RANDOMKEY, DBSIZE and KEYS take no key
// (a key pattern cannot limit them), so they are denied; @dangerous (FLUSHALL, CONFIG, ...)
// is denied too.
//
// The writer runs the record and checkpoint scripts (EVALSHA, falling back to EVAL once per
// script and connection; a script reaches only what the user may, so only its own keys) and
// plain reads and writes. @write includes FUNCTION LOAD / DELETE / FLUSH / RESTORE, which could
// remove every Redis Function on the server: every FUNCTION subcommand is denied, and FCALL is
// not granted.
//
// The reader runs read commands only, and no script at all: Top needs none (the stale-window
// path is one ZUNION), so a reader cannot run a slow script that blocks a shard, and the
// question which scripts to allow it does not arise.
const (
	clusterDiscovery = "+ping +hello +command +cluster|slots +cluster|shards +asking"
	noKeyListing     = "-scan -randomkey -dbsize -keys"
)

// WriterAccess is the access string of the ingest (writer) user of leaderboard name.
func WriterAccess(name string) string {
	return "~" + KeyPrefix(name) + "* -@all +@read +@write -@dangerous -function " + noKeyListing + " +evalsha +eval " + clusterDiscovery
}

// ReaderAccess is the access string of the leaderboard (read-only) user of leaderboard name.
func ReaderAccess(name string) string {
	return "~" + KeyPrefix(name) + "* -@all +@read -@dangerous " + noKeyListing + " " + clusterDiscovery
}
