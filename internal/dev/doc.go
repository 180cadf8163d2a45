// Package dev groups the local tools: the code behind `make run` (localapp, sample, funcurl),
// `make invoke` (rie) and `make bench` (perf). Nothing under internal/dev is linked into a
// Lambda bootstrap; tools may import the test kits (internal/testkit) for their stand-ins.
package dev
