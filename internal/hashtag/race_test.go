//go:build race

package hashtag

// raceEnabled makes the exhaustive per-rune tests sample under -race, where
// they would be slow and find no data race.
const raceEnabled = true
