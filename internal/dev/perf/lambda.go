package perf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/sample"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/awstest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// IngestPages and PageSize make the ingest run whose peak memory is measured: MAX_PAGES=10
// pages of 100 posts (xapi's max_results) from the bundled sample.
const (
	IngestPages = 10
	PageSize    = 100
)

// Runs is what the emulator measured over the cold starts of one function.
type Runs struct {
	Function string
	// Init holds the init duration of each run (the emulator's INIT REPORT: from starting the
	// bootstrap to its first request for an invoke).
	Init []time.Duration
	// PeakRSS holds the bootstrap's VmHWM after each run's invokes, in bytes.
	PeakRSS []int64
	// Invokes describes what each run invoked.
	Invokes string
}

// MedianInit is the median of Init.
func (r Runs) MedianInit() time.Duration { return median(r.Init) }

// MedianRSS is the median of PeakRSS.
func (r Runs) MedianRSS() int64 { return median(r.PeakRSS) }

func median[T int64 | time.Duration](v []T) T {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// LambdaConfig sets up MeasureLambda.
type LambdaConfig struct {
	ModuleRoot string
	RIE        string
	WorkDir    string
	// Runs is the number of cold starts per function (default 7).
	Runs int
	// Log receives the emulators' output (nil: none).
	Log io.Writer
}

// MeasureLambda starts a local valkey-server with the store's users, moto_server holding their
// secrets and the X API token, and the X API stand-in serving the bundled sample; builds both
// bootstraps for this machine as for Lambda (-s -w, CGO off, lambda.norpc); then, Runs times
// per function, starts a fresh emulator (a cold execution environment), invokes it, and
// records the init duration and the bootstrap's peak RSS. Ingest fetches IngestPages pages of
// PageSize posts in every run (the board is emptied before each); the leaderboard answers the
// get, window and browser events of events/.
func MeasureLambda(ctx context.Context, cfg LambdaConfig) (ingestRuns, boardRuns Runs, err error) {
	if cfg.Runs == 0 {
		cfg.Runs = 7
	}
	const board = "hashtags"
	writer := redistest.User{Name: board + "-writer", Password: "bench-writer-password", Access: store.WriterAccess(board)}
	reader := redistest.User{Name: board + "-reader", Password: "bench-reader-password", Access: store.ReaderAccess(board)}
	rs, err := redistest.StartStandalone(redistest.StandaloneOptions{Users: []redistest.User{writer, reader}, DefaultUserOff: true})
	if err != nil {
		return ingestRuns, boardRuns, fmt.Errorf("valkey-server: %w", err)
	}
	defer rs.Stop()
	moto, err := awstest.StartMoto()
	if err != nil {
		return ingestRuns, boardRuns, fmt.Errorf("moto: %w", err)
	}
	defer moto.Stop()

	const token = "bench-x-api-token"
	x, err := sampleXAPI(token)
	if err != nil {
		return ingestRuns, boardRuns, err
	}
	xURL := x.Start()
	defer x.Close()

	writerARN, readerARN, xARN, err := createSecrets(ctx, moto, writer, reader, token)
	if err != nil {
		return ingestRuns, boardRuns, err
	}
	common := append(moto.Env(), "MEMORYDB_ENDPOINT="+rs.Addr, "MEMORYDB_TLS=false", "MEMORYDB_CLUSTER=false",
		"LEADERBOARD="+board, "LOG_LEVEL=INFO")
	env := map[string][]string{
		"ingest": rie.MergeEnv(common, "MEMORYDB_SECRET_ARN="+writerARN, "X_SECRET_ARN="+xARN,
			"X_API_URL="+xURL, "SEARCH_QUERY=sample -is:retweet", fmt.Sprintf("MAX_PAGES=%d", IngestPages),
			"X_DAILY_POST_BUDGET=0"), // the sample is free: read whole, whatever the hour (no pacing)
		"leaderboard": rie.MergeEnv(common, "MEMORYDB_SECRET_ARN="+readerARN),
	}
	bins, err := buildForHost(ctx, cfg)
	if err != nil {
		return ingestRuns, boardRuns, err
	}
	events, err := readEvents(cfg.ModuleRoot)
	if err != nil {
		return ingestRuns, boardRuns, err
	}
	return coldRuns(ctx, cfg, rs, bins, env, events)
}

// sampleXAPI is the X API stand-in serving the bundled sample, moved to the present, to the
// bearer token token: every post matches any query, and the rate limit is out of reach.
func sampleXAPI(token string) (*xapitest.Server, error) {
	raw, err := sample.Posts()
	if err != nil {
		return nil, err
	}
	posts, err := sample.Shift(raw, time.Now())
	if err != nil {
		return nil, err
	}
	return xapitest.New(posts, xapitest.Options{BearerToken: token, MatchAll: true, RateLimit: 1 << 20})
}

// createSecrets stores the Redis users' credentials and the X API token in moto's Secrets
// Manager, as the deployed stack does, and returns the secrets' ARNs.
func createSecrets(ctx context.Context, moto *awstest.Moto, writer, reader redistest.User,
	token string) (writerARN, readerARN, xARN string, err error) {
	secret := func(name string, v map[string]string) (string, error) {
		b, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		return moto.CreateSecret(ctx, "bench/"+name, string(b))
	}
	if writerARN, err = secret("writer", map[string]string{"username": writer.Name, "password": writer.Password}); err != nil {
		return "", "", "", err
	}
	if readerARN, err = secret("reader", map[string]string{"username": reader.Name, "password": reader.Password}); err != nil {
		return "", "", "", err
	}
	if xARN, err = secret("x", map[string]string{"bearer_token": token}); err != nil {
		return "", "", "", err
	}
	return writerARN, readerARN, xARN, nil
}

// buildForHost builds both bootstraps for this machine as for Lambda (-s -w, CGO off,
// lambda.norpc): function name -> path.
func buildForHost(ctx context.Context, cfg LambdaConfig) (map[string]string, error) {
	bins := map[string]string{}
	for _, f := range rie.Functions {
		var err error
		if bins[f], err = rie.Build(ctx, cfg.ModuleRoot, f, filepath.Join(cfg.WorkDir, "host"), rie.BuildOptions{Strip: true}); err != nil {
			return nil, err
		}
	}
	return bins, nil
}

// readEvents reads the events each function is invoked with in a run, from events/: the
// schedule for ingest; the get, window and browser requests for the leaderboard.
func readEvents(moduleRoot string) (map[string][][]byte, error) {
	events := map[string][][]byte{}
	for f, names := range map[string][]string{
		"ingest":      {"schedule.json"},
		"leaderboard": {"function-url-get.json", "function-url-window.json", "function-url-browser.json"},
	} {
		for _, n := range names {
			b, err := os.ReadFile(filepath.Join(moduleRoot, "events", n))
			if err != nil {
				return nil, err
			}
			events[f] = append(events[f], b)
		}
	}
	return events, nil
}

// coldRuns runs cfg.Runs cold starts of each function, in turn, and records their init
// durations and peak RSS; rs is emptied before every ingest run so that each does the same
// work.
func coldRuns(ctx context.Context, cfg LambdaConfig, rs *redistest.Standalone, bins map[string]string,
	env map[string][]string, events map[string][][]byte) (ingestRuns, boardRuns Runs, err error) {
	ingestRuns = Runs{Function: "ingest", Invokes: fmt.Sprintf("events/schedule.json, %d pages of %d posts", IngestPages, PageSize)}
	boardRuns = Runs{Function: "leaderboard", Invokes: "events/function-url-{get,window,browser}.json"}
	for range cfg.Runs {
		for _, r := range []*Runs{&ingestRuns, &boardRuns} {
			if r.Function == "ingest" {
				// Every ingest run does the same work: an empty board, no checkpoint.
				if err := rs.FlushAll(ctx); err != nil {
					return ingestRuns, boardRuns, err
				}
			}
			d, rss, err := coldRun(ctx, cfg, bins[r.Function], env[r.Function], r.Function, events[r.Function])
			if err != nil {
				return ingestRuns, boardRuns, fmt.Errorf("%s: %w", r.Function, err)
			}
			r.Init = append(r.Init, d)
			r.PeakRSS = append(r.PeakRSS, rss)
		}
	}
	return ingestRuns, boardRuns, nil
}

// coldRun starts one execution environment, sends the events, checks the answers and returns
// the init duration and the peak RSS of the bootstrap.
func coldRun(ctx context.Context, cfg LambdaConfig, bin string, env []string, function string, events [][]byte) (time.Duration, int64, error) {
	emu, err := rie.Start(ctx, rie.Config{RIE: cfg.RIE, Bootstrap: bin, Env: env, FunctionName: function, Log: cfg.Log})
	if err != nil {
		return 0, 0, err
	}
	defer emu.Stop()
	for _, ev := range events {
		resp, err := emu.Invoke(ctx, ev)
		if err != nil {
			return 0, 0, err
		}
		if typ, msg, ok := resp.FunctionError(); ok || resp.Status != 200 {
			return 0, 0, fmt.Errorf("invoke: status %d, %s: %s\n%s", resp.Status, typ, msg, emu.Logs())
		}
		if err := checkAnswer(function, resp.Body); err != nil {
			return 0, 0, err
		}
	}
	initCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	d, err := emu.InitDuration(initCtx)
	if err != nil {
		return 0, 0, err
	}
	rss, err := emu.PeakRSS()
	if err != nil {
		return 0, 0, err
	}
	return d, rss, nil
}

// checkAnswer makes sure the measured run did the work it is reported for.
func checkAnswer(function string, body []byte) error {
	switch function {
	case "ingest":
		var r ingest.Result
		if err := json.Unmarshal(body, &r); err != nil {
			return fmt.Errorf("ingest result %s: %w", body, err)
		}
		if r.Pages != IngestPages || r.PostsFetched != IngestPages*PageSize || r.PostsNew != r.PostsFetched {
			return fmt.Errorf("ingest result %s: want %d pages of %d new posts", body, IngestPages, PageSize)
		}
	case "leaderboard":
		var r struct {
			StatusCode int `json:"statusCode"`
		}
		if err := json.Unmarshal(body, &r); err != nil || r.StatusCode != 200 {
			return fmt.Errorf("leaderboard answer %s: want status 200 (%v)", body, err)
		}
	default:
		return errors.New("unknown function " + function)
	}
	return nil
}
