package perf

import "errors"

// StoreFigures reads the figures of the store's benchmarks: recording (with and without author
// tracking), the top and trending reads, the reads behind upkeep, and the memory of author
// tracking.
func StoreFigures(results []Bench) ([]Figure, error) {
	var figs []Figure
	for _, group := range []func([]Bench) ([]Figure, error){
		recordFigures, topFigures, trendingFigures, topBehindFigures, historyFigures, scheduleFigures,
	} {
		f, err := group(results)
		if err != nil {
			return nil, err
		}
		figs = append(figs, f...)
	}
	return figs, nil
}

// recordFigures reads BenchmarkRecord and BenchmarkRecordInstructions: recording with author
// tracking against the target, against without it, every post by a new author, the Redis
// commands against the ZINCRBY ceiling, and the instructions per batch inside Redis.
func recordFigures(results []Bench) ([]Figure, error) {
	rec, err := Find(results, "BenchmarkRecord")
	if err != nil {
		return nil, err
	}
	posts, err1 := need(rec, "posts/s")
	plain, err2 := need(rec, "plain-posts/s")
	cmds, err3 := need(rec, "redis-cmds/s")
	ceiling, err4 := need(rec, "zincrby-ceiling/s")
	newAuthors, err5 := need(rec, "new-authors-posts/s")
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return nil, err
	}
	figs := []Figure{
		{Name: "ingest recording with author tracking: posts/s (batches of 100, ~2 hashtags each, authors from 50,000, one Lua call per batch; runs of 10 batches between two upkeeps, which settle the trending views; median run)", Value: posts, Unit: "posts/s",
			Reference: "target", RefValue: RecordTarget, MinRatio: 1, Command: cmdRecord},
		{Name: "the same batches with author tracking, against without it (another board, interleaved in the same loop)", Value: posts, Unit: "posts/s",
			Reference: "recording without author tracking", RefValue: plain, Command: cmdRecord},
		{Name: "the same batches with author tracking, every post by a new author (every author-hashtag pair new: the costliest case; a third board in the same loop)", Value: newAuthors, Unit: "posts/s",
			Reference: "target", RefValue: RecordTarget, MinRatio: 1, Command: cmdRecord},
		{Name: "ingest recording: Redis commands/s of all three (inside the script)", Value: cmds, Unit: "cmds/s",
			Reference: "ZINCRBY ceiling (`redis-benchmark -P 100`)", RefValue: ceiling, Command: cmdRecord},
	}
	v, err := metrics(results, "BenchmarkRecordInstructions", "instr/batch", "new-authors-instr/batch", "plain-instr/batch")
	if err != nil {
		return nil, err
	}
	figs = append(figs,
		Figure{Name: "the same batches with author tracking: instructions inside Redis per batch (callgrind on a fixed clock: the same in every run, whatever the machine's load), against without it", Value: v[0], Unit: "instr/batch",
			Reference: "recording without author tracking", RefValue: v[2], Command: cmdInstructions},
		Figure{Name: "the same, every post by a new author, against without author tracking", Value: v[1], Unit: "instr/batch",
			Reference: "recording without author tracking", RefValue: v[2], Command: cmdInstructions})
	return figs, nil
}

// topFigures reads BenchmarkTop: each window's top-10 read against the all-time read.
func topFigures(results []Bench) ([]Figure, error) {
	var figs []Figure
	for _, w := range []string{"1h", "24h", "7d"} {
		b, err := Find(results, "BenchmarkTop/"+w)
		if err != nil {
			return nil, err
		}
		win, err := need(b, "win-µs")
		if err != nil {
			return nil, err
		}
		all, err := need(b, "all-µs")
		if err != nil {
			return nil, err
		}
		figs = append(figs, Figure{Name: "store.Top " + w + ", top 10 of 100,000 hashtags, interleaved with the all-time read (medians)",
			Value: win, Unit: "µs", Reference: "store.Top all-time", RefValue: all, MaxRatio: 1.5, Command: cmdTop})
	}
	return figs, nil
}

// trendingFigures reads BenchmarkTrending (each trending view against the all-time top-100
// read) and BenchmarkTrendingMemory (what author tracking keeps per post).
func trendingFigures(results []Bench) ([]Figure, error) {
	var figs []Figure
	for _, w := range []string{"1h", "24h"} {
		b, err := Find(results, "BenchmarkTrending/"+w)
		if err != nil {
			return nil, err
		}
		trend, err1 := need(b, "trend-µs")
		all, err2 := need(b, "all-µs")
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		figs = append(figs, Figure{Name: "store.Trending " + w + ", the view's 100 of 100,000 hashtags, interleaved with the all-time top-100 read (medians)",
			Value: trend, Unit: "µs", Reference: "store.Top all-time, top 100", RefValue: all, MaxRatio: TrendingVsTopMax, Command: cmdTrending})
	}
	mem, err := Find(results, "BenchmarkTrendingMemory")
	if err != nil {
		return nil, err
	}
	pairSet, err1 := need(mem, "pairset-B/post")
	pairs24h, err2 := need(mem, "pairs24h-B/post")
	pairs1h, err3 := need(mem, "pairs1h-B/post")
	seen, err4 := need(mem, "seen-B/post")
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return nil, err
	}
	figs = append(figs,
		Figure{Name: "author tracking memory: the hour's pair set per post (kept 7 days and an hour, as the seen id), MEMORY USAGE", Value: pairSet, Unit: "B/post",
			Reference: "the seen-id record per post", RefValue: seen, Command: cmdTrendingMem},
		Figure{Name: "author tracking memory: the 24h window's pairs per post (kept about a day)", Value: pairs24h, Unit: "B/post", Command: cmdTrendingMem},
		Figure{Name: "author tracking memory: the 1h window's pairs per post (kept about an hour)", Value: pairs1h, Unit: "B/post", Command: cmdTrendingMem},
	)
	return figs, nil
}

// topBehindFigures reads BenchmarkTopBehind. The bounded exception: a window whose upkeep is
// behind the clock is read with one ZUNION of the whole window. No target: the leaderboard
// runs it at most once per window, cache period and instance; the figure says what that once
// costs.
func topBehindFigures(results []Bench) ([]Figure, error) {
	var figs []Figure
	for _, c := range []struct{ bench, what string }{
		{"1-bucket", "one bucket behind (the window minus the bucket that left)"},
		{"stopped", "ingest stopped (the sum of the 29 live buckets)"},
	} {
		m, err := metrics(results, "BenchmarkTopBehind/"+c.bench, "behind-µs", "all-µs", "redis-µs")
		if err != nil {
			return nil, err
		}
		behind, all, inRedis := m[0], m[1], m[2]
		figs = append(figs,
			Figure{Name: "store.Top 7d of 58,000 hashtags, upkeep " + c.what + ", top 100, interleaved (medians)",
				Value: behind, Unit: "µs", Reference: "store.Top all-time, top 100", RefValue: all, Command: cmdTopBehind},
			Figure{Name: "the same: ZUNION's own time inside Redis (what blocks the shard)",
				Value: inRedis, Unit: "µs", Reference: "the whole read", RefValue: behind, Command: cmdTopBehind})
	}
	return figs, nil
}

// historyFigures reads BenchmarkHistory (issue 16): the dashboard's history read against the
// top-10 read of the same window.
func historyFigures(results []Bench) ([]Figure, error) {
	m, err := metrics(results, "BenchmarkHistory", "hist-µs", "top-µs", "redis-µs")
	if err != nil {
		return nil, err
	}
	hist, top, inRedis := m[0], m[1], m[2]
	return []Figure{
		{Name: "store.History 24h, 25 hashtags x 25 buckets of a busy day, interleaved with the top-10 read (medians)",
			Value: hist, Unit: "µs", Reference: "store.Top 24h, top 10", RefValue: top, MaxRatio: HistoryVsTopMax, Command: cmdHistory},
		{Name: "the same: its 25 ZMSCOREs' own time inside Redis",
			Value: inRedis, Unit: "µs", Reference: "the whole read", RefValue: hist, Command: cmdHistory},
	}, nil
}

// scheduleFigures reads BenchmarkWindowSchedule (issue 22: no read that stalls a shard): every
// window at every minute of an ingest interval, with the upkeep-only invocation at every
// bucket boundary as deployed.
func scheduleFigures(results []Bench) ([]Figure, error) {
	m, err := metrics(results, "BenchmarkWindowSchedule", "worst-win-µs", "worst-all-µs", "zunions")
	if err != nil {
		return nil, err
	}
	return []Figure{
		{Name: "store.Top, the worst window read of a 15-minute ingest interval across 5-minute, hourly and 6-hour boundaries " +
			"(upkeep at every bucket boundary; each window at every minute, 61 interleaved reads each, worst of 45 medians; 100,000 hashtags)",
			Value: m[0], Unit: "µs", Reference: "store.Top all-time, same minute", RefValue: m[1], MaxRatio: WindowVsAllMax, Command: cmdSchedule},
		{Name: "the same: ZUNIONs run inside Redis during the interval (reads that summed a window)",
			Value: m[2], Unit: "calls", Command: cmdSchedule},
	}, nil
}
