package redistest

// SweepStaleDirs exposes the stale-directory sweep to the tests.
var SweepStaleDirs = sweepStaleDirs
