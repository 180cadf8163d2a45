package store

import "strings"

// The Redis ACL rules of the two users, kept here and nowhere else: the SAM templates and the
// test harness use these strings. Each is an access string without "on"/"off" and without a
// password (MemoryDB sets passwords through the user's AuthenticationMode), naming no command
// MemoryDB restricts, so MemoryDB and a plain redis-server accept it alike.
//
// An access string is the key patterns of the deployment's boards, KeyPatterns(names...)
// ("~{aws}:* ~{golang}:*"), followed by the user's command rules: a user reaches every key of
// the configured boards and no key of any other board. The writer also reaches the keys of the
// deployment's X API quota (quotaKeys: QuotaPrefix, shared by all boards, out of every board's
// pattern).
//
// Both users may run go-redis's connection handshake (HELLO, PING) and discover the cluster:
// CLUSTER SLOTS / SHARDS for the topology, COMMAND for the key positions of each command, which
// the cluster client looks up once, and ASKING, which it sends before retrying a command that a
// slot migration (MemoryDB online resharding) redirected with ASK.
//
// Neither may learn key names outside its patterns: SCAN, RANDOMKEY, DBSIZE and KEYS take no
// key (a key pattern cannot limit them), so they are denied; @dangerous (FLUSHALL, CONFIG, ...)
// is denied too.
//
// The writer runs the record, checkpoint and quota scripts (EVALSHA, falling back to EVAL once per
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

	// writerRules and readerRules are the users' command rules, after the key patterns.
	writerRules = "-@all +@read +@write -@dangerous -function " + noKeyListing + " +evalsha +eval " + clusterDiscovery
	readerRules = "-@all +@read -@dangerous " + noKeyListing + " " + clusterDiscovery
	// quotaKeys is the writer's pattern of the deployment-wide quota keys (see QuotaPrefix).
	quotaKeys = "~" + QuotaPrefix + "*"
)

// KeyPattern is the ACL key pattern of every key of the board called name: "~{name}:*".
func KeyPattern(name string) string { return "~" + KeyPrefix(name) + "*" }

// KeyPatterns is the key patterns of the boards called names, in that order, separated by
// spaces: "~{aws}:* ~{golang}:*".
func KeyPatterns(names ...string) string {
	patterns := make([]string, len(names))
	for i, n := range names {
		patterns[i] = KeyPattern(n)
	}
	return strings.Join(patterns, " ")
}

// WriterAccess is the access string of the ingest (writer) user of the boards called names.
func WriterAccess(names ...string) string {
	return access(KeyPatterns(names...), quotaKeys, writerRules)
}

// ReaderAccess is the access string of the leaderboard (read-only) user of the boards called
// names.
func ReaderAccess(names ...string) string {
	return access(KeyPatterns(names...), readerRules)
}

// access joins the non-empty parts of an access string with single spaces.
func access(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, " ")
}
