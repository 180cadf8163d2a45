package store

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// QuotaPrefix starts every key of the deployment's X API quota, which all boards share: the
// posts read per UTC day, the rate-limit reset and the board the next ingest run starts with.
// Its hash tag "{x:quota}" holds a ':', which no board name can (see CheckName), so no board's
// keys and no board's key pattern ("~{name}:*") reach it; the writer's access string names it
// (WriterAccess), the reader's does not.
//
//	{x:quota}:read:<YYYY-MM-DD>  STRING  posts X returned on that UTC day, all boards (TTL 2 days)
//	{x:quota}:reset              STRING  Unix second before which no request may be sent (TTL: until then)
//	{x:quota}:next-board         STRING  the board the next ingest run serves first
//	{x:quota}:grant:<id>         STRING  posts of a reservation not settled yet (TTL 2 days)
const QuotaPrefix = "{x:quota}:"

// readTTL is how long a day's counter is kept: the day, and a day of clock slack.
const readTTL = 48 * time.Hour

var (
	//go:embed lua/quota.lua
	quotaSrc    string
	quotaScript = redis.NewScript(quotaSrc)
)

// Quota is the deployment's X API quota in Redis, shared by every board and every run: the
// posts X returned per UTC day, counted against a daily budget by reserving before each
// request and giving back what the answer did not use, and the time before which X's rate
// limit allows no request. It is safe for concurrent use, also by runs in parallel.
type Quota struct {
	rdb redis.UniversalClient
	now func() time.Time
}

// NewQuota returns the quota kept in rdb; now is the clock that decides the UTC day and
// whether a rate-limit reset lies ahead (nil: time.Now).
func NewQuota(rdb redis.UniversalClient, now func() time.Time) *Quota {
	if now == nil {
		now = time.Now
	}
	return &Quota{rdb: rdb, now: now}
}

// Quota is the deployment's X API quota on s's client and clock.
func (s *Store) Quota() *Quota { return NewQuota(s.rdb, s.now) }

// QuotaState is the quota as a run finds it.
type QuotaState struct {
	ReadToday int64     // posts X returned today (UTC), as reserved and settled
	Blocked   time.Time // no request before this (X's x-rate-limit-reset); zero: none ahead
	NextBoard string    // the board to serve first ("" when none was saved)
}

// Grant is a reservation: the posts one request may ask for.
type Grant struct {
	Posts     int       // max_results granted; 0: none (Blocked, or the budget is spent)
	ReadToday int64     // posts read today, this reservation included
	Blocked   time.Time // no request before this (X's x-rate-limit-reset); zero: none ahead
	dayKey    string    // the counter reserved on, which Settle corrects
	id        string    // the reservation's id: it settles once
}

// MaxBlockAhead is X's rate-limit window (xapi.RateWindow): no reset is kept further ahead. A
// stored reset beyond it (a reset in milliseconds, saved by a version that believed it) blocks
// nothing and the next block replaces it; a block asked for beyond it is cut to it.
const MaxBlockAhead = 15 * time.Minute

func dayKey(t time.Time) string { return QuotaPrefix + "read:" + t.UTC().Format(time.DateOnly) }

func grantKey(id string) string { return QuotaPrefix + "grant:" + id }

// newGrantID is a random reservation id.
func newGrantID() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("grant id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

func (q *Quota) resetKey() string { return QuotaPrefix + "reset" }

func (q *Quota) nextKey() string { return QuotaPrefix + "next-board" }

// State reads the quota in one round trip.
func (q *Quota) State(ctx context.Context) (QuotaState, error) {
	now := q.now()
	pipe := q.rdb.Pipeline()
	read := pipe.Get(ctx, dayKey(now))
	reset := pipe.Get(ctx, q.resetKey())
	next := pipe.Get(ctx, q.nextKey())
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return QuotaState{}, fmt.Errorf("read the x api quota: %w", err)
	}
	var st QuotaState
	var err error
	if st.ReadToday, err = optInt(read); err != nil {
		return st, fmt.Errorf("read the x api quota: key %s: %w", dayKey(now), err)
	}
	r, err := optInt(reset)
	if err != nil {
		return st, fmt.Errorf("read the x api quota: key %s: %w", q.resetKey(), err)
	}
	if r > now.Unix() && r <= now.Add(MaxBlockAhead).Unix() { // further ahead: see MaxBlockAhead
		st.Blocked = time.Unix(r, 0).UTC()
	}
	st.NextBoard = next.Val()
	return st, nil
}

func optInt(c *redis.StringCmd) (int64, error) {
	if errors.Is(c.Err(), redis.Nil) {
		return 0, nil
	}
	return c.Int64()
}

// Reserve grants the posts of one request: min(want, what remains of budget today), or none
// while a rate-limit reset lies ahead or when fewer than least remain (budget 0: no limit).
// What it grants counts as read at once, so runs in parallel never overshoot the budget
// together; Settle gives back what the answer did not use.
func (q *Quota) Reserve(ctx context.Context, budget, want, least int) (Grant, error) {
	if budget < 0 || least < 1 || want < least {
		return Grant{}, fmt.Errorf("reserve x api posts: budget %d, want %d, least %d: want budget >= 0 and 1 <= least <= want", budget, want, least)
	}
	id, err := newGrantID()
	if err != nil {
		return Grant{}, fmt.Errorf("reserve x api posts: %w", err)
	}
	now := q.now()
	key := dayKey(now)
	vals, err := quotaScript.Run(ctx, q.rdb, []string{key, q.resetKey(), grantKey(id)},
		"reserve", now.Unix(), int64(readTTL/time.Second), budget, want, least).Int64Slice()
	if err != nil {
		return Grant{}, fmt.Errorf("reserve x api posts: %w", err)
	}
	if len(vals) != 3 {
		return Grant{}, fmt.Errorf("reserve x api posts: script returned %d values, want 3", len(vals))
	}
	g := Grant{Posts: int(vals[0]), ReadToday: vals[1], dayKey: key, id: id}
	if vals[2] > 0 {
		g.Blocked = time.Unix(vals[2], 0).UTC()
	}
	return g, nil
}

// Settle ends reservation g: read is how many posts the answer held (the rest is given back),
// and blockUntil, when ahead, is the time before which X's rate limit allows no request (an
// answer's x-rate-limit-reset when its x-rate-limit-remaining was 0, or a 429's): from then on
// Reserve grants nothing before it, for every run. It returns the posts read today.
// Settling is idempotent: a grant corrects the counter once, however often Settle runs for it
// (go-redis sends a script again when its reply is late), and a grant of no posts (or one not
// from Reserve) corrects nothing.
func (q *Quota) Settle(ctx context.Context, g Grant, read int, blockUntil time.Time) (int64, error) {
	key := g.dayKey
	if key == "" {
		key = dayKey(q.now())
	}
	id := g.id
	if id == "" || g.Posts == 0 {
		id = "none" // a key that never exists: only the block applies
	}
	var block int64
	if !blockUntil.IsZero() {
		block = blockUntil.Unix()
	}
	n, err := quotaScript.Run(ctx, q.rdb, []string{key, q.resetKey(), grantKey(id)},
		"settle", q.now().Unix(), int64(readTTL/time.Second), g.Posts-read, strconv.FormatInt(block, 10)).Int64()
	if err != nil {
		return 0, fmt.Errorf("settle x api posts: %w", err)
	}
	return n, nil
}

// SetNextBoard saves the board the next run serves first.
func (q *Quota) SetNextBoard(ctx context.Context, name string) error {
	if err := q.rdb.Set(ctx, q.nextKey(), name, 0).Err(); err != nil {
		return fmt.Errorf("save the next board: %w", err)
	}
	return nil
}
