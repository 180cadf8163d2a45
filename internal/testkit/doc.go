// Package testkit groups what only tests use: the stand-ins tests start (redistest: real
// redis-server processes; awstest: moto_server; xapitest: the X API v2 stand-in) and the
// test-only suites (faulttest, templatetest), and the synthetic boards benchmarks read
// (boarddata). Nothing under internal/testkit is linked into a Lambda bootstrap.
package testkit
