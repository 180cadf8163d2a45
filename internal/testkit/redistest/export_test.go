package redistest

// SweepStaleDirs exposes the stale-directory sweep to the tests.
var SweepStaleDirs = sweepStaleDirs

// ResolveEngines exposes how EnvOptions.Engines and REDISTEST_ENGINES are resolved.
var ResolveEngines = engines
