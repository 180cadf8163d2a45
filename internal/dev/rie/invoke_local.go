package rie

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// InvokeConfig is one local invoke (cmd/invoke, `make invoke`).
type InvokeConfig struct {
	// ModuleRoot is the module's directory (ModuleRoot).
	ModuleRoot string
	// RIE is the path of aws-lambda-rie (FindRIE).
	RIE string
	// Function is "ingest" or "leaderboard"; Event is the event to send.
	Function string
	Event    []byte
	// Environ is the caller's environment (os.Environ()): the function gets it, with the
	// stand-ins' variables on top, as the emulator forwards its environment in a container.
	Environ []string
	// Seed runs the ingest function once first when the leaderboard is invoked on the
	// redis-server started here (which is empty otherwise).
	Seed bool
	// BuildDir receives the bootstraps.
	BuildDir string
	// Log receives the emulator's and the function's logs and progress lines (nil: none).
	Log io.Writer
}

// InvokeLocal builds the bootstrap, starts the stand-ins (StartLocal), runs the function under
// the emulator, sends the event and returns the function's answer. Everything it started is
// stopped before it returns.
func InvokeLocal(ctx context.Context, cfg InvokeConfig) (Response, error) {
	if cfg.Log != nil {
		cfg.Log = &lockedWriter{w: cfg.Log} // the emulators' log goroutines share it
	}
	getenv := envLookup(cfg.Environ)
	local, err := StartLocal(ctx, LocalConfig{Function: cfg.Function, Getenv: getenv, Log: cfg.Log})
	if err != nil {
		return Response{}, err
	}
	defer local.Stop()
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", args...)
		}
	}

	if cfg.Function == "leaderboard" && cfg.Seed && local.SeedEnv != nil {
		logf("seeding the local board: one ingest run under the emulator")
		resp, err := runOnce(ctx, cfg, "ingest", MergeEnv(cfg.Environ, local.SeedEnv...), scheduledEvent(time.Now()))
		if err != nil {
			return Response{}, fmt.Errorf("seed ingest run: %w", err)
		}
		if typ, msg, ok := resp.FunctionError(); ok || resp.Status != 200 {
			return Response{}, fmt.Errorf("seed ingest run failed (status %d, %s: %s): %s", resp.Status, typ, msg, resp.Body)
		}
		logf("seed ingest run: %s", resp.Body)
	}
	return runOnce(ctx, cfg, cfg.Function, MergeEnv(cfg.Environ, local.Env...), cfg.Event)
}

// runOnce builds function, starts an emulator for it, invokes it once and stops it.
func runOnce(ctx context.Context, cfg InvokeConfig, function string, env []string, event []byte) (Response, error) {
	bin, err := Build(ctx, cfg.ModuleRoot, function, cfg.BuildDir, BuildOptions{})
	if err != nil {
		return Response{}, err
	}
	emu, err := Start(ctx, Config{RIE: cfg.RIE, Bootstrap: bin, Env: env, FunctionName: function, Log: cfg.Log})
	if err != nil {
		return Response{}, err
	}
	defer emu.Stop()
	resp, err := emu.Invoke(ctx, event)
	if err == nil && cfg.Log != nil {
		// The REPORT line's "Init Duration" is not the init: see the package documentation.
		initCtx, cancel := context.WithTimeout(ctx, time.Second)
		if d, ierr := emu.InitDuration(initCtx); ierr == nil {
			fmt.Fprintf(cfg.Log, "%s: init duration %.1f ms (INIT REPORT)\n", function, float64(d)/float64(time.Millisecond))
		}
		cancel()
		// The REPORT line's "Max Memory Used" only repeats "Memory Size" (the emulator cannot
		// measure it); the bootstrap's peak RSS is what Lambda would report.
		if rss, rerr := emu.PeakRSS(); rerr == nil {
			fmt.Fprintf(cfg.Log, "%s: peak memory %.1f MiB (VmHWM of the bootstrap; the REPORT line's Max Memory Used is not measured)\n",
				function, float64(rss)/(1<<20))
		}
	}
	return resp, err
}

// scheduledEvent is an EventBridge scheduled event like events/schedule.json, at t.
func scheduledEvent(t time.Time) []byte {
	return fmt.Appendf(nil, `{"version":"0","id":"%s","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"%s","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/local-seed"],"detail":{}}`,
		uuidV4(), t.UTC().Format(time.RFC3339))
}

func uuidV4() string {
	h := randomHex(16)
	b := []byte(h)
	b[12] = '4'
	b[16] = "89ab"[b[16]%4]
	return fmt.Sprintf("%s-%s-%s-%s-%s", b[0:8], b[8:12], b[12:16], b[16:20], b[20:32])
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
