package store

import (
	"fmt"
	"time"
)

// UpkeepInterval is how often the writer must advance the rolling windows so that reads find
// them current (see Top): the smallest bucket of the rolling windows, 5 minutes. The larger
// buckets (1 h, 6 h) are multiples of it, so an upkeep at every multiple of it, on the clock,
// follows every bucket boundary of every window.
var UpkeepInterval = smallestBucket()

// UpkeepSchedule is the EventBridge schedule of the upkeep-only ingest invocations
// (nested/ingest.yaml): every UpkeepInterval, on the clock's multiples of it.
const UpkeepSchedule = "cron(0/5 * * * ? *)"

func smallestBucket() time.Duration {
	least := rolling[0].bucket
	for _, sp := range rolling[1:] {
		least = min(least, sp.bucket)
	}
	for _, sp := range rolling {
		if sp.bucket%least != 0 {
			panic(fmt.Sprintf("store: bucket %s of %s is not a multiple of %s", sp.bucket, sp.window, least))
		}
	}
	return least
}
