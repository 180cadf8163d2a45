package faulttest

import (
	"context"
	"encoding/json"
	"maps"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/secrets"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/awstest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
)

// countingSM is the Secrets Manager client of one function, counting GetSecretValue calls.
type countingSM struct {
	api   secrets.API
	calls atomic.Int32
}

func (c *countingSM) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	c.calls.Add(1)
	return c.api.GetSecretValue(ctx, in, opts...)
}

func userSecret(t *testing.T, user, password string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{"username": user, "password": password})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// serverVars are the Redis variables of a function deployed against srv (no credentials).
func serverVars(srv redistest.Server, name string) map[string]string {
	c := srv.Config("", "")
	return map[string]string{
		"MEMORYDB_ENDPOINT": c.Addr, "MEMORYDB_TLS": strconv.FormatBool(c.TLS),
		"MEMORYDB_CLUSTER": strconv.FormatBool(c.Cluster), "MEMORYDB_CA_FILE": c.CAFile, "LEADERBOARD": name,
	}
}

// dropConnections closes every connection of the users on every node, as Redis does when a
// rotation removes the password they authenticated with (MemoryDB drops them). It returns how
// many connections were closed.
func dropConnections(t *testing.T, srv redistest.Server, users ...string) int64 {
	t.Helper()
	ctx := context.Background()
	var killed int64
	kill := func(do func(args ...any) (int64, error)) {
		for _, u := range users {
			n, err := do("client", "kill", "user", u)
			if err != nil {
				t.Fatalf("client kill user %s: %v", u, err)
			}
			killed += n
		}
	}
	switch s := srv.(type) {
	case *redistest.Standalone:
		kill(func(args ...any) (int64, error) { return s.Client().Do(ctx, args...).Int64() })
	case *redistest.Cluster:
		for _, addr := range s.Addrs {
			kill(func(args ...any) (int64, error) { return s.NodeClient(addr).Do(ctx, args...).Int64() })
		}
	default:
		t.Fatalf("unknown server type %T", srv)
	}
	return killed
}

// rotating is a writer and a reader function, cold started against srv with their passwords in
// Secrets Manager (moto), each counting its GetSecretValue calls.
type rotating struct {
	srv            redistest.Server
	moto           *awstest.Moto
	name           string
	w, r           redistest.User
	wARN, rARN     string
	wSM, rSM       *countingSM
	writer, reader *store.Store
}

func newRotating(t *testing.T, srv redistest.Server, moto *awstest.Moto, prefix string) *rotating {
	t.Helper()
	ctx := context.Background()
	if c, ok := srv.(*redistest.Cluster); ok {
		if err := c.WaitHealthy(ctx); err != nil {
			t.Fatal(err)
		}
	}
	f := &rotating{srv: srv, moto: moto, name: uniqueName(prefix)}
	f.w, f.r = boardUsers(f.name)
	addUsers(t, srv, f.w, f.r)
	var err error
	if f.wARN, err = moto.CreateSecret(ctx, f.name+"/writer", userSecret(t, f.w.Name, f.w.Password)); err != nil {
		t.Fatal(err)
	}
	if f.rARN, err = moto.CreateSecret(ctx, f.name+"/reader", userSecret(t, f.r.Name, f.r.Password)); err != nil {
		t.Fatal(err)
	}
	f.wSM, f.rSM = &countingSM{api: moto.Client()}, &countingSM{api: moto.Client()}
	wVars, rVars := serverVars(srv, f.name), serverVars(srv, f.name)
	wVars["MEMORYDB_SECRET_ARN"], rVars["MEMORYDB_SECRET_ARN"] = f.wARN, f.rARN
	f.writer = coldStart(t, wVars, secrets.NewLoader(secrets.WithClient(f.wSM)))
	f.reader = coldStart(t, rVars, secrets.NewLoader(secrets.WithClient(f.rSM)))
	return f
}

// rotate changes both passwords in the ACL and in Secrets Manager and drops the users'
// connections, as MemoryDB does; it returns how many connections were closed.
func (f *rotating) rotate(t *testing.T) int64 {
	t.Helper()
	ctx := context.Background()
	for _, u := range []struct {
		user redistest.User
		arn  string
	}{{f.w, f.wARN}, {f.r, f.rARN}} {
		pw := "rotated-" + u.user.Password
		if err := f.srv.SetUserPassword(ctx, u.user.Name, pw); err != nil {
			t.Fatal(err)
		}
		if _, err := f.moto.PutSecretValue(ctx, u.arn, userSecret(t, u.user.Name, pw)); err != nil {
			t.Fatal(err)
		}
	}
	killed := dropConnections(t, f.srv, f.w.Name, f.r.Name)
	t.Logf("rotated both passwords and closed %d connections of the two users", killed)
	return killed
}

// checkFetches checks how often each function read its secret.
func (f *rotating) checkFetches(t *testing.T, when string, want int32) {
	t.Helper()
	if n := f.wSM.calls.Load(); n != want {
		t.Errorf("%s: ingest fetched its secret %d times, want %d", when, n, want)
	}
	if n := f.rSM.calls.Load(); n != want {
		t.Errorf("%s: leaderboard fetched its secret %d times, want %d", when, n, want)
	}
}

// TestSecretRotation: the ingest (writer) and leaderboard (reader) functions are warm with
// the old passwords when both change in the ACL and in Secrets Manager; once their
// connections drop, the next request of each re-reads its secret exactly once and succeeds.
func TestSecretRotation(t *testing.T) {
	moto := awstest.MustMoto(t)
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			f := newRotating(t, srv, moto, "rotate")
			posts := newPostMaker()
			x := newXAPI(t, posts.batch(120, cycleTags))
			h := newIngest(t, newSource(t, x), f.writer, nil)
			lb := newLeaderboard(t, f.reader, f.name, 0)
			check := func(when string, wantFetches int32) {
				t.Helper()
				catchUp(t, h, 2)
				if got := getBoard(t, lb, "limit=100").tally(); !maps.Equal(got, posts.expected()) {
					t.Errorf("%s: leaderboard %v, want %v", when, got, posts.expected())
				}
				f.checkFetches(t, when, wantFetches)
			}
			check("warm", 1)
			if f.rotate(t) == 0 {
				t.Fatal("the warm functions had no connection to close")
			}
			if err := x.AddPosts(posts.batch(80, cycleTags)...); err != nil {
				t.Fatal(err)
			}
			check("after the rotation", 2)
			if err := x.AddPosts(posts.batch(30, cycleTags)...); err != nil {
				t.Fatal(err)
			}
			check("later", 2)
			assertCounts(t, f.writer, posts.expected())
		})
	}
}

// TestSecretRotationUnderConcurrency: warm writer and reader functions serve many commands at
// once when both passwords rotate and every connection drops. The commands that Redis refuses
// wait for the one Secrets Manager call that re-reads the secret and retry with its answer:
// none of them returns an authentication error, and each function reads its secret once more.
func TestSecretRotationUnderConcurrency(t *testing.T) {
	moto := awstest.MustMoto(t)
	ctx := context.Background()
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			f := newRotating(t, srv, moto, "rotatemany")
			// burst runs workers x rounds commands of each function, all workers starting at
			// once, and returns their errors.
			const workers, rounds = 16, 5
			burst := func() []error {
				start := make(chan struct{})
				errs := make(chan error, 2*workers*rounds)
				var wg sync.WaitGroup
				for i := range 2 * workers {
					wg.Go(func() {
						<-start
						for range rounds {
							var err error
							if i%2 == 0 {
								_, err = f.writer.Checkpoint(ctx)
							} else {
								_, err = f.reader.Top(ctx, store.All, 10)
							}
							if err != nil {
								errs <- err
							}
						}
					})
				}
				close(start)
				wg.Wait()
				close(errs)
				var out []error
				for err := range errs {
					out = append(out, err)
				}
				return out
			}
			if errs := burst(); len(errs) > 0 {
				t.Fatalf("before the rotation: %d errors, first %v", len(errs), errs[0])
			}
			if killed := f.rotate(t); killed < 4 {
				t.Fatalf("the warm functions had %d connections to close, want several", killed)
			}
			errs := burst()
			auth := 0
			for _, err := range errs {
				if redis.IsAuthError(err) {
					auth++
				}
			}
			if len(errs) > 0 {
				t.Errorf("during the rotation: %d of %d commands failed, %d with an authentication error; first: %v",
					len(errs), 2*workers*rounds, auth, errs[0])
			}
			f.checkFetches(t, "after the rotation", 2)
		})
	}
}
