package localapp

import (
	"context"
	"fmt"
	"net"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/coldstart"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/sample"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/secrets"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// standIn is the bundled sample served by the X API v2 stand-in.
type standIn struct {
	posts []xapitest.Tweet // the sample, moved to the present
	token string           // the bearer token the stand-in accepts
	url   string           // its base URL
}

// startStandIn moves the bundled sample to the present and serves it from the X API stand-in
// on a free loopback port, with a random bearer token.
func (a *App) startStandIn() (standIn, error) {
	var si standIn
	raw, err := sample.Posts()
	if err != nil {
		return si, err
	}
	if si.posts, err = sample.Shift(raw, a.now()); err != nil {
		return si, err
	}
	si.token = randomHex(24)
	srv, err := xapitest.New(si.posts, xapitest.Options{BearerToken: si.token, Now: a.now, MatchAllQuery: SampleQuery})
	if err != nil {
		return si, fmt.Errorf("start the X API stand-in: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return si, fmt.Errorf("start the X API stand-in: listen: %w", err)
	}
	a.xapi = newServer(srv)
	go a.serve(a.xapi, ln, "X API stand-in")
	si.url = "http://" + ln.Addr().String()
	return si, nil
}

// describePosts says where the posts come from, for the start-up line: the X API, or the sample
// (posts: its posts, how many are visible now and how many arrive later).
func (a *App) describePosts(useX bool, icfg config.Ingest, posts []xapitest.Tweet) string {
	if useX {
		return fmt.Sprintf("the X API at %s", icfg.APIURL)
	}
	visible := 0
	now := a.now()
	for _, p := range posts {
		if !p.CreatedAt.After(now) {
			visible++
		}
	}
	return fmt.Sprintf("bundled sample via a local X API v2 stand-in (%d posts from the last 7 days, %d more arriving over the next 24 hours)",
		visible, len(posts)-visible)
}

// sources are the boards' post sources: on the real X API, built as the ingest function builds
// them (package coldstart, from the configuration's credentials); on the sample, clients of the
// stand-in with its token.
func (a *App) sources(ctx context.Context, useX bool, icfg config.Ingest, token string) ([]*xapi.Source, error) {
	if useX {
		env := &coldstart.Env{Log: a.log, Secrets: secrets.NewLoader()}
		return env.Sources(ctx, icfg)
	}
	sources := make([]*xapi.Source, len(icfg.Boards))
	for i, b := range icfg.Boards {
		var err error
		if sources[i], err = xapi.New(xapi.Config{BaseURL: icfg.APIURL, BearerToken: xapi.BearerToken(token), Query: b.Query, Logger: a.log, Now: a.now}); err != nil {
			return nil, fmt.Errorf("BOARDS: board %q: %w", b.Name, err)
		}
	}
	return sources, nil
}
