//go:build !race

package jobjson

// raceEnabled: the race detector adds allocations of its own.
const raceEnabled = false
