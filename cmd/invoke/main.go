// Command invoke runs one Lambda function of this module locally without Docker (`make invoke
// FUNCTION=ingest EVENT=events/schedule.json`): the real bootstrap, built for this machine,
// under the AWS Lambda Runtime Interface Emulator, against a local Redis and local secrets,
// and prints the function's response on stdout; the emulator's and the function's logs go to
// stderr. Package rie does the work; run it with -h for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
)

const usage = `Usage: go run ./cmd/invoke -function ingest|leaderboard -event FILE [flags]
       (or: make invoke FUNCTION=ingest EVENT=events/schedule.json)

Builds the function's bootstrap for this machine (-tags lambda.norpc), runs it under the AWS
Lambda Runtime Interface Emulator and sends it the event; prints the response on stdout and
the logs on stderr. Exit status 1 when the function returned an error.

The function gets this environment, plus local stand-ins for what it does not name:
  MEMORYDB_ENDPOINT unset: a redis-server on a free 127.0.0.1 port with the store's writer
      and reader ACL users (MEMORYDB_USERNAME / MEMORYDB_PASSWORD, local-only, random),
      removed at exit. For the leaderboard, one ingest run fills it first (see -seed).
  no X_SECRET_ARN, X_BEARER_TOKEN or X_API_KEY (or their TWITTER_* aliases): the X API v2 stand-in
      serving the bundled sample of posts (without BOARDS or SEARCH_QUERY: one board of every
      post; a query is answered as X would).
Other variables as for the deployed functions (BOARDS, or SEARCH_QUERY and LEADERBOARD,
MAX_PAGES, ...).

Flags:
`

func main() {
	os.Exit(run(os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}

func run(args, environ []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	function := fs.String("function", "", "the function: ingest or leaderboard")
	event := fs.String("event", "", "the event file to send, e.g. events/schedule.json")
	rieBin := fs.String("rie", "", "path of aws-lambda-rie (default: $RIE, .bin/aws-lambda-rie, PATH)")
	seed := fs.Bool("seed", true, "leaderboard on the local redis-server: run ingest once first")
	quiet := fs.Bool("q", false, "do not print the emulator's and the function's logs")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := rie.CheckFunction(*function); err != nil {
		fmt.Fprintln(stderr, "invoke: -function:", err)
		return 2
	}
	if *event == "" {
		fmt.Fprintln(stderr, "invoke: -event is required, e.g. -event events/schedule.json")
		return 2
	}
	body, err := os.ReadFile(*event)
	if err != nil {
		fmt.Fprintln(stderr, "invoke: -event:", err)
		return 2
	}

	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(stderr, "invoke:", err)
		return 1
	}
	root, err := rie.ModuleRoot(wd)
	if err != nil {
		fmt.Fprintln(stderr, "invoke:", err)
		return 1
	}
	if *rieBin == "" {
		if *rieBin, err = rie.FindRIE(root, os.Getenv); err != nil {
			fmt.Fprintln(stderr, "invoke:", err)
			return 1
		}
	}
	buildDir, err := os.MkdirTemp("", "invoke-")
	if err != nil {
		fmt.Fprintln(stderr, "invoke:", err)
		return 1
	}
	defer os.RemoveAll(buildDir)

	var log io.Writer = stderr
	if *quiet {
		log = nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	resp, err := rie.InvokeLocal(ctx, rie.InvokeConfig{
		ModuleRoot: root, RIE: *rieBin, Function: *function, Event: body, Environ: environ,
		Seed: *seed, BuildDir: buildDir, Log: log,
	})
	if err != nil {
		fmt.Fprintln(stderr, "invoke:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", resp.Body)
	if typ, msg, ok := resp.FunctionError(); ok {
		fmt.Fprintf(stderr, "invoke: the function returned an error: %s: %s\n", typ, msg)
		return 1
	}
	if resp.Status != 200 {
		fmt.Fprintf(stderr, "invoke: the emulator answered %d: the bootstrap failed its init or crashed (see its log above, or run without -q)\n", resp.Status)
		return 1
	}
	return 0
}
