//go:build race

package faulttest

// raceEnabled is reported with the figures: the race detector slows everything down.
const raceEnabled = true
