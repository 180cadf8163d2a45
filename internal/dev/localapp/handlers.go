package localapp

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/funcurl"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/leaderboard"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// openStores opens every board's store on rdb, on the application clock; byName finds them by
// board name.
func (a *App) openStores(rdb redis.UniversalClient, icfg config.Ingest) ([]*store.Store, map[string]*store.Store, error) {
	stores := make([]*store.Store, len(icfg.Boards))
	byName := map[string]*store.Store{}
	for i, b := range icfg.Boards {
		var err error
		if stores[i], err = store.New(rdb, b.Name, store.WithClock(a.now), store.WithTrendingMinAuthors(icfg.TrendingMinAuthors)); err != nil {
			return nil, nil, fmt.Errorf("BOARDS: %w", err)
		}
		byName[b.Name] = stores[i]
	}
	return stores, byName, nil
}

// newIngest builds the ingest handler of every board as the function configures it; its log
// goes to Config.Log without the metric records unless Config.Metrics.
func (a *App) newIngest(icfg config.Ingest, sources []*xapi.Source, stores []*store.Store) error {
	ingestLog := a.log
	if !a.cfg.Metrics {
		ingestLog = slog.New(withoutMetrics{a.log.Handler()})
	}
	feeds, err := ingest.Feeds(icfg.Boards, sources, stores)
	if err != nil {
		return err
	}
	a.budget, a.price = icfg.DailyPostBudget, icfg.PricePerPost
	if a.ingest, err = ingest.New(feeds, stores[0].Quota(), ingest.Config{
		MaxPages: icfg.MaxPages, SkipSensitive: icfg.SkipSensitive, Exclude: icfg.Exclude,
		DailyPostBudget: icfg.DailyPostBudget, PricePerPost: icfg.PricePerPost, Interval: a.Interval, Now: a.now, Logger: ingestLog,
	}); err != nil {
		return err
	}
	return nil
}

// serveLeaderboard builds the leaderboard handler of every board and serves it behind funcurl
// on Config.Host and Config.Port; App.URL is then where.
func (a *App) serveLeaderboard(lcfg config.Leaderboard, byName map[string]*store.Store) error {
	boards := make([]leaderboard.Named, len(lcfg.Boards))
	for i, b := range lcfg.Boards {
		boards[i] = leaderboard.Named{Name: b.Name, Query: b.Query, Board: byName[b.Name]}
	}
	lb, err := leaderboard.New(boards, leaderboard.Config{CacheTTL: lcfg.CacheTTL, EmbedOrigins: lcfg.EmbedOrigins, Logger: a.log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(a.cfg.Host, strconv.Itoa(a.cfg.Port)))
	if err != nil {
		return fmt.Errorf("leaderboard: listen on port %d: %w", a.cfg.Port, err)
	}
	a.web = newServer(funcurl.Handler(lb.Handle, a.log))
	go a.serve(a.web, ln, "leaderboard")
	a.URL = "http://" + net.JoinHostPort(displayHost(a.cfg.Host), strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	return nil
}

// withoutMetrics drops the records that carry an "_aws" attribute: CloudWatch Embedded Metric
// Format records, which the ingest handler writes to its log for CloudWatch to turn into
// metrics.
type withoutMetrics struct{ slog.Handler }

func (h withoutMetrics) Handle(ctx context.Context, r slog.Record) error {
	emf := false
	r.Attrs(func(a slog.Attr) bool {
		emf = a.Key == "_aws"
		return !emf
	})
	if emf {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h withoutMetrics) WithAttrs(attrs []slog.Attr) slog.Handler {
	return withoutMetrics{h.Handler.WithAttrs(attrs)}
}

func (h withoutMetrics) WithGroup(name string) slog.Handler {
	return withoutMetrics{h.Handler.WithGroup(name)}
}
