//go:build race

package luabind

// raceEnabled: the race detector is on, and Go's allocation counts include
// the detector's own (TestSpawnAllocations then measures 43.6 where it
// measures 43.0-43.1 without).
const raceEnabled = true
