// Package faulttest holds end-to-end fault, hostile-input and load tests on real parts: the
// ingest and leaderboard handlers, the store and the app's cold-start wiring, against real
// redis-server processes (a standalone server and the TLS + ACL cluster that stands in for
// MemoryDB, from package redistest), moto_server for Secrets Manager (package awstest) and the
// X API stand-in (package xapitest). It has no code of its own besides this comment: every
// test is in a _test.go file.
//
// What the tests prove:
//
//   - TestFailover: with the users holding exactly the store's access strings, a primary of
//     the cluster is killed while ingest runs in a loop and the leaderboard is queried in a
//     loop; the leaderboard answers only 200 or 503, 503 only between the kill and its
//     recovery, and recovers without a restart; ingest resumes from its checkpoint; every
//     count is exact.
//   - TestRedisDownAtColdStart, TestRedisDownMidRun: a clear error while Redis is down, and
//     the next invoke in the same process succeeds once it is back, nothing counted twice.
//   - TestSecretRotation: after the password changes in the ACL and in Secrets Manager and the
//     old connections drop, the next request re-reads the secret once and succeeds, for the
//     ingest writer and the leaderboard reader. TestSecretRotationUnderConcurrency: with many
//     commands in flight when the connections drop, none returns an authentication error and
//     each function reads its secret once more.
//   - TestXAPIFaults: an answer that would arrive after the invocation's time budget (the
//     handler returns before the deadline with its progress saved), a truncated body, a
//     connection cut mid-body, a very large page (1,000 posts and 3 MiB), an answer over the
//     response size limit (asked for again as a page of 10), a page larger than a store
//     batch, pages in ascending id order: exact counts after the recovery runs.
//   - TestResponseLimitFitsTheFunction: an answer of xapi.MaxResponseBytes in the shapes that
//     cost the most memory decodes with a heap growth a 128 MB function holds.
//   - TestHostileHashtags, TestTenThousandTagsInOnePage: markup, script, bidirectional
//     controls and 10,000 distinct tags in one page are stored or rejected by the hashtag
//     rules (each post counts its first ingest.MaxHashtagsPerPost) and come out of the
//     leaderboard as inert, valid JSON text; memory stays bounded.
//   - TestHostilePosts: on the cluster, ids X could not have sent, malformed entries and a
//     long post with 3,000 hashtags: the rest counts exactly, the hostile entries are skipped,
//     the checkpoint holds only real ids (later posts are found) and a checkpoint poisoned with
//     2^63-1 is repaired by the next run.
//   - TestLeaderboardLoad, TestIngestLoad: 200 concurrent HTTP clients against the
//     leaderboard, and a large number of synthetic posts through store.Record; zero errors and
//     exact counts asserted, latency, throughput and memory reported.
//
// No test passes or fails on wall-clock time: waits on asynchronous recovery poll with a
// generous bound that only turns a hang into a failure. Figures are logged (go test -v) and,
// when FIGURES_FILE names a file, appended to it as one JSON object per line. LOAD_DURATION
// (default 5s) and INGEST_POSTS (default 100000) size the load tests; the benchmark run uses
// 30s and 1000000.
package faulttest
