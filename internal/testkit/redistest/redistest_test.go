package redistest_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
)

// Users created on both servers of the shared Env.
var (
	getter = redistest.User{Name: "getter", Password: "getter-pw", Access: "~x:* -@all +get +cluster|slots +command"}
	// Probe users, one per question about what a restricted go-redis client needs.
	noSlots    = redistest.User{Name: "no-slots", Password: "p1", Access: "~x:* -@all +get"}
	noCommand  = redistest.User{Name: "no-command", Password: "p2", Access: "~x:* -@all +get +cluster|slots"}
	noReadonly = redistest.User{Name: "no-readonly", Password: "p3", Access: "~x:* -@all +get +cluster|slots +command"}
	readonly   = redistest.User{Name: "readonly", Password: "p4", Access: "~x:* -@all +get +cluster|slots +command +readonly"}
)

var env *redistest.Env

func TestMain(m *testing.M) {
	tier.SkipAll("redistest", "redis-server")
	redistest.Main(m, redistest.EnvOptions{
		Users: []redistest.User{getter, noSlots, noCommand, noReadonly, readonly},
	}, func(e *redistest.Env) { env = e })
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestEnvStarted(t *testing.T) {
	if env.Standalone == nil || env.Cluster == nil {
		t.Fatalf("Env = %+v, want both servers", env)
	}
	if got := len(env.Cluster.Addrs); got != 6 {
		t.Fatalf("cluster has %d nodes, want 6", got)
	}
	for _, a := range append([]string{env.Standalone.Addr}, env.Cluster.Addrs...) {
		if a == "127.0.0.1:6379" || !strings.HasPrefix(a, "127.0.0.1:") {
			t.Errorf("server address %q: want 127.0.0.1 and never port 6379", a)
		}
	}
	t.Logf("start-up: standalone %s, cluster %s", env.Standalone.StartupTime, env.Cluster.StartupTime)
}

func TestClusterTopology(t *testing.T) {
	ctx := ctxT(t)
	shards, err := env.Cluster.AdminClient().ClusterShards(ctx).Result()
	if err != nil {
		t.Fatalf("cluster shards: %v", err)
	}
	if len(shards) != 3 {
		t.Fatalf("%d shards, want 3", len(shards))
	}
	slots := 0
	for _, sh := range shards {
		for _, r := range sh.Slots {
			slots += int(r.End - r.Start + 1)
		}
		var roles []string
		for _, n := range sh.Nodes {
			roles = append(roles, n.Role+"/"+n.Health)
			if n.TLSPort == 0 || n.Port != 0 {
				t.Errorf("node %s: port %d tls-port %d, want TLS only", n.ID, n.Port, n.TLSPort)
			}
		}
		if len(sh.Nodes) != 2 {
			t.Errorf("shard nodes %v, want a primary and a replica", roles)
		}
	}
	if slots != 16384 {
		t.Errorf("shards cover %d slots, want 16384", slots)
	}
}

// keysOnEveryPrimary returns keys whose slots are owned by different primaries, one per primary.
func keysOnEveryPrimary(ctx context.Context, t *testing.T, cc *redis.ClusterClient, prefix string) map[string]string {
	t.Helper()
	byPrimary := map[string]string{}
	for i := 0; len(byPrimary) < 3 && i < 1000; i++ {
		key := fmt.Sprintf("%s{t%d}:k", prefix, i)
		m, err := cc.MasterForKey(ctx, key)
		if err != nil {
			t.Fatalf("master for %s: %v", key, err)
		}
		addr := m.Options().Addr
		if _, ok := byPrimary[addr]; !ok {
			byPrimary[addr] = key
		}
	}
	if len(byPrimary) != 3 {
		t.Fatalf("keys spread over %d primaries, want 3", len(byPrimary))
	}
	return byPrimary
}

func TestClusterWritesLandOnOwningPrimary(t *testing.T) {
	ctx := ctxT(t)
	cc := env.Cluster.ClusterClient(env.Cluster.AdminUser, env.Cluster.AdminPassword)
	defer func() { _ = cc.Close() }()
	for addr, key := range keysOnEveryPrimary(ctx, t, cc, "land") {
		if err := cc.Set(ctx, key, addr, 0).Err(); err != nil {
			t.Fatalf("set %s: %v", key, err)
		}
		// The key is on that very node: a direct (non-cluster) GET there finds it, and the
		// other primaries answer MOVED.
		got, err := env.Cluster.NodeClient(addr).Get(ctx, key).Result()
		if err != nil || got != addr {
			t.Errorf("direct GET %s on %s = %q, %v; want %q", key, addr, got, err, addr)
		}
		for _, other := range env.Cluster.Addrs {
			if other == addr {
				continue
			}
			err := env.Cluster.NodeClient(other).Get(ctx, key).Err()
			if err == nil || (!strings.HasPrefix(err.Error(), "MOVED") && !strings.HasPrefix(err.Error(), "READONLY") && !strings.Contains(err.Error(), "MOVED")) {
				t.Errorf("direct GET %s on %s: err %v, want MOVED", key, other, err)
			}
		}
	}
}

// TestRestrictedUser runs on both servers: a user with "~x:* -@all +get ..." can GET x:1
// but can neither SET nor read outside its key pattern.
func TestRestrictedUser(t *testing.T) {
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			ctx := ctxT(t)
			if err := srv.Admin().Set(ctx, "x:1", "one", 0).Err(); err != nil {
				t.Fatalf("admin set: %v", err)
			}
			if err := srv.Admin().Set(ctx, "y:1", "other", 0).Err(); err != nil {
				t.Fatalf("admin set: %v", err)
			}
			cl := srv.Connect(getter.Name, getter.Password)
			defer func() { _ = cl.Close() }()
			if got, err := cl.Get(ctx, "x:1").Result(); err != nil || got != "one" {
				t.Fatalf("GET x:1 as getter = %q, %v; want one", got, err)
			}
			tests := []struct {
				name string
				cmd  func() error
			}{
				{"SET x:1", func() error { return cl.Set(ctx, "x:1", "two", 0).Err() }},
				{"GET y:1", func() error { return cl.Get(ctx, "y:1").Err() }},
				{"DEL x:1", func() error { return cl.Del(ctx, "x:1").Err() }},
			}
			for _, tc := range tests {
				if err := tc.cmd(); err == nil || !strings.HasPrefix(err.Error(), "NOPERM") {
					t.Errorf("%s as getter: err %v, want NOPERM", tc.name, err)
				}
			}
			if got, _ := srv.Admin().Get(ctx, "x:1").Result(); got != "one" {
				t.Errorf("x:1 = %q after the refused SET, want one", got)
			}
		})
	}
}

// TestGoRedisClusterPermissions pins down what a restricted go-redis v9 cluster client needs
// on Redis 7.0 (the store's access strings depend on it).
func TestGoRedisClusterPermissions(t *testing.T) {
	ctx := ctxT(t)
	if err := env.Cluster.AdminClient().Set(ctx, "x:perm", "v", 0).Err(); err != nil {
		t.Fatalf("admin set: %v", err)
	}
	tests := []struct {
		name     string
		user     redistest.User
		readOnly bool
		wantErr  string // after "NOPERM " and the user (Redis 7.0: "this user", Valkey: "User <name>"); "" = GET works
	}{
		{"without cluster|slots the client cannot load the slot map", noSlots, false, "has no permissions to run the 'cluster|slots' command"},
		{"cluster|slots is enough for GET", noCommand, false, ""},
		{"ReadOnly option without +readonly fails", noReadonly, true, "has no permissions to run the 'readonly' command"},
		{"ReadOnly option with +readonly works", readonly, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opt := env.Cluster.ClusterClientOptions(tc.user.Name, tc.user.Password)
			opt.ReadOnly = tc.readOnly
			cl := redis.NewClusterClient(opt)
			defer func() { _ = cl.Close() }()
			got, err := cl.Get(ctx, "x:perm").Result()
			switch {
			case tc.wantErr == "" && (err != nil || got != "v"):
				t.Errorf("GET = %q, %v; want v", got, err)
			case tc.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), "NOPERM ") ||
				!strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("GET err %v, want NOPERM ... %q", err, tc.wantErr)
			}
		})
	}
}

// TestGoRedisClusterNeedsCommand: without +command the cluster client retries COMMAND (for
// its command table) before every command; with it, COMMAND runs once.
func TestGoRedisClusterNeedsCommand(t *testing.T) {
	tests := []struct {
		user         redistest.User
		wantRejected bool
	}{
		{noCommand, true},
		{getter, false},
	}
	for _, tc := range tests {
		t.Run(tc.user.Name, func(t *testing.T) {
			ctx := ctxT(t)
			for _, a := range env.Cluster.Addrs {
				if err := env.Cluster.NodeClient(a).ConfigResetStat(ctx).Err(); err != nil {
					t.Fatalf("config resetstat on %s: %v", a, err)
				}
			}
			cl := env.Cluster.ClusterClient(tc.user.Name, tc.user.Password)
			defer func() { _ = cl.Close() }()
			for i := range 5 {
				if err := cl.Get(ctx, "x:"+strconv.Itoa(i)).Err(); err != nil && !errors.Is(err, redis.Nil) {
					t.Fatalf("GET: %v", err)
				}
			}
			calls, rejected := 0, 0
			for _, a := range env.Cluster.Addrs {
				stats, err := env.Cluster.NodeClient(a).Info(ctx, "commandstats").Result()
				if err != nil {
					t.Fatalf("info commandstats: %v", err)
				}
				calls += statField(stats, "cmdstat_command", "calls")
				rejected += statField(stats, "cmdstat_command", "rejected_calls")
			}
			if tc.wantRejected && rejected < 5 {
				t.Errorf("COMMAND rejected %d times for 5 GETs, want at least 5", rejected)
			}
			if !tc.wantRejected && (rejected != 0 || calls != 1) {
				t.Errorf("COMMAND calls=%d rejected=%d, want 1 and 0", calls, rejected)
			}
		})
	}
}

func statField(info, stat, field string) int {
	for _, line := range strings.Split(info, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), stat+":")
		if !ok {
			continue
		}
		for _, kv := range strings.Split(rest, ",") {
			if v, ok := strings.CutPrefix(kv, field+"="); ok {
				n, _ := strconv.Atoi(v)
				return n
			}
		}
	}
	return 0
}

func TestDefaultUser(t *testing.T) {
	ctx := ctxT(t)
	// Standalone: the default user stays on without a password.
	sc := env.Standalone.NewClient("", "")
	defer func() { _ = sc.Close() }()
	if err := sc.Ping(ctx).Err(); err != nil {
		t.Errorf("standalone PING as default user: %v", err)
	}
	// Cluster: the default user is off, as on MemoryDB.
	opt := env.Cluster.ClusterClientOptions("", "")
	opt.MaxRetries = -1
	cc := redis.NewClusterClient(opt)
	defer func() { _ = cc.Close() }()
	if err := cc.Get(ctx, "x:1").Err(); err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") {
		t.Errorf("cluster GET as default user: err %v, want NOAUTH", err)
	}
	wrong := env.Cluster.ClusterClient(getter.Name, "wrong")
	defer func() { _ = wrong.Close() }()
	if err := wrong.Get(ctx, "x:1").Err(); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Errorf("cluster GET with a wrong password: err %v, want WRONGPASS", err)
	}
}

func TestClusterTLSIsVerified(t *testing.T) {
	ctx := ctxT(t)
	tests := []struct {
		name    string
		tls     *tls.Config
		wantErr string
	}{
		{"harness CA", env.Cluster.TLSConfig(), ""},
		{"system roots only", &tls.Config{MinVersion: tls.VersionTLS12}, "certificate signed by unknown authority"},
		{"plain text", nil, "EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := redis.NewClient(&redis.Options{
				Addr: env.Cluster.Addrs[0], Username: env.Cluster.AdminUser, Password: env.Cluster.AdminPassword,
				TLSConfig: tc.tls, DisableIdentity: true, MaxRetries: -1, DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second,
			})
			defer func() { _ = c.Close() }()
			err := c.Ping(ctx).Err()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("PING: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("PING err %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
	if _, err := os.Stat(env.Cluster.CAFile); err != nil {
		t.Errorf("CAFile: %v", err)
	}
}

func TestSetUserAndRotatePassword(t *testing.T) {
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			ctx := ctxT(t)
			u := redistest.User{Name: "rotating", Password: "old-pw", Access: "~r:* -@all +get +set +cluster|slots +command"}
			if err := srv.SetUser(ctx, u); err != nil {
				t.Fatalf("set user: %v", err)
			}
			old := srv.Connect(u.Name, "old-pw")
			defer func() { _ = old.Close() }()
			if err := old.Set(ctx, "r:1", "a", 0).Err(); err != nil {
				t.Fatalf("SET with the old password: %v", err)
			}
			if err := srv.SetUserPassword(ctx, u.Name, "new-pw"); err != nil {
				t.Fatalf("set password: %v", err)
			}
			// A connection authenticated before the rotation keeps working.
			if err := old.Get(ctx, "r:1").Err(); err != nil {
				t.Errorf("GET on a connection made before the rotation: %v", err)
			}
			stale := srv.Connect(u.Name, "old-pw")
			defer func() { _ = stale.Close() }()
			if err := stale.Get(ctx, "r:1").Err(); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
				t.Errorf("new connection with the old password: err %v, want WRONGPASS", err)
			}
			fresh := srv.Connect(u.Name, "new-pw")
			defer func() { _ = fresh.Close() }()
			if got, err := fresh.Get(ctx, "r:1").Result(); err != nil || got != "a" {
				t.Errorf("GET with the new password = %q, %v; want a", got, err)
			}
			cfg := srv.Config(u.Name, "new-pw")
			if cfg.Username != u.Name || cfg.Password != "new-pw" || cfg.Cluster != strings.HasPrefix(srv.Name(), "cluster-") || cfg.Addr == "" {
				t.Errorf("Config = %+v", cfg)
			}
			if err := srv.SetUserPassword(ctx, "nobody", "x"); err == nil {
				t.Error("SetUserPassword of an unknown user: no error")
			}
		})
	}
}

func TestFlushAll(t *testing.T) {
	ctx := ctxT(t)
	keys := keysOnEveryPrimary(ctx, t, env.Cluster.AdminClient(), "flush")
	for _, k := range keys {
		if err := env.Cluster.AdminClient().Set(ctx, k, "v", 0).Err(); err != nil {
			t.Fatalf("set %s: %v", k, err)
		}
	}
	if err := env.Standalone.Client().Set(ctx, "flush:1", "v", 0).Err(); err != nil {
		t.Fatalf("set: %v", err)
	}
	sha, err := env.Standalone.Client().ScriptLoad(ctx, "return 1").Result()
	if err != nil {
		t.Fatalf("script load: %v", err)
	}
	if err := env.FlushAll(ctx); err != nil {
		t.Fatalf("flush all: %v", err)
	}
	for _, k := range keys {
		if n, err := env.Cluster.AdminClient().Exists(ctx, k).Result(); err != nil || n != 0 {
			t.Errorf("EXISTS %s after FlushAll = %d, %v", k, n, err)
		}
	}
	if n, err := env.Standalone.Client().DBSize(ctx).Result(); err != nil || n != 0 {
		t.Errorf("standalone DBSIZE after FlushAll = %d, %v", n, err)
	}
	if ex, err := env.Standalone.Client().ScriptExists(ctx, sha).Result(); err != nil || ex[0] {
		t.Errorf("script exists after FlushAll = %v, %v", ex, err)
	}
}

func TestStandaloneKillRestart(t *testing.T) {
	ctx := ctxT(t)
	s := redistest.MustStandalone(t, redistest.StandaloneOptions{Users: []redistest.User{getter}, DefaultUserOff: true, TLS: true})
	cl := s.NewClient(getter.Name, getter.Password)
	defer func() { _ = cl.Close() }()
	if err := s.Client().Set(ctx, "x:1", "v", 0).Err(); err != nil {
		t.Fatalf("set over TLS: %v", err)
	}
	s.Kill()
	if err := s.Client().Ping(ctx).Err(); err == nil {
		t.Fatal("PING after Kill succeeded")
	}
	if err := s.Restart(ctx); err != nil {
		t.Fatalf("restart: %v", err)
	}
	if err := s.Client().Set(ctx, "x:1", "w", 0).Err(); err != nil {
		t.Fatalf("set after restart: %v", err)
	}
	if got, err := cl.Get(ctx, "x:1").Result(); err != nil || got != "w" {
		t.Errorf("GET as getter after restart = %q, %v; want w", got, err)
	}
	anon := s.NewClient("", "")
	defer func() { _ = anon.Close() }()
	if err := anon.Ping(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") {
		t.Errorf("PING as default user with DefaultUserOff: err %v, want NOAUTH", err)
	}
}

// TestKillPrimary kills a primary of the shared cluster, checks that its replica took over
// with the data, then restarts the node; the cluster ends healthy again for later tests.
func TestKillPrimary(t *testing.T) {
	ctx := ctxT(t)
	c := env.Cluster
	cc := c.ClusterClient(getter.Name, getter.Password)
	defer func() { _ = cc.Close() }()
	admin := c.ClusterClient(c.AdminUser, c.AdminPassword)
	defer func() { _ = admin.Close() }()
	keys := keysOnEveryPrimary(ctx, t, admin, "x:kill")
	for _, k := range keys {
		if err := admin.Set(ctx, k, "before", 0).Err(); err != nil {
			t.Fatalf("set %s: %v", k, err)
		}
	}
	if err := c.WaitReplicated(ctx); err != nil {
		t.Fatalf("wait replicated: %v", err)
	}

	begin := time.Now()
	killed, err := c.KillPrimary(ctx)
	if err != nil {
		t.Fatalf("kill primary: %v", err)
	}
	t.Logf("KillPrimary (kill, detection, promotion, healthy) took %s", time.Since(begin))
	if _, ok := keys[killed]; !ok {
		t.Fatalf("killed %s, which owned none of the keys %v", killed, keys)
	}
	t.Logf("killed primary %s", killed)

	// A client that loads the slot map after the failover works at once.
	for _, k := range keys {
		if got, err := cc.Get(ctx, k).Result(); err != nil || got != "before" {
			t.Errorf("GET %s after failover = %q, %v; want before", k, got, err)
		}
	}
	// A client holding the slot map from before the failover keeps sending that shard's
	// commands to the dead address: go-redis v9 reloads its map on MOVED/ASK/READONLY or every
	// ClusterStateReloadInterval (default 60s), not on a connection error. ReloadState (async)
	// fixes it.
	if err := admin.Set(ctx, keys[killed], "after", 0).Err(); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("SET with a stale slot map: err %v, want connection refused", err)
	}
	admin.ReloadState(ctx)
	for _, k := range keys {
		if err := eventually(ctx, func() error { return admin.Set(ctx, k, "after", 0).Err() }); err != nil {
			t.Errorf("SET %s after failover and ReloadState: %v", k, err)
		}
	}
	shards, err := admin.ClusterShards(ctx).Result()
	if err != nil {
		t.Fatalf("cluster shards: %v", err)
	}
	// Each shard's slots are served by exactly one online primary, never the killed node (Valkey
	// still lists the killed node in its shard as a master with health "fail"; Redis 7.0 does not).
	for _, sh := range shards {
		if len(sh.Slots) == 0 {
			continue
		}
		var online []string
		for _, n := range sh.Nodes {
			addr := fmt.Sprintf("%s:%d", n.IP, n.TLSPort)
			if n.Role == "master" && n.Health == "online" {
				online = append(online, addr)
			}
			if addr == killed && n.Health != "fail" {
				t.Errorf("killed node %s listed as %s/%s", addr, n.Role, n.Health)
			}
		}
		if len(online) != 1 || online[0] == killed {
			t.Errorf("slots %v served by online primaries %v, want one that is not %s", sh.Slots, online, killed)
		}
	}

	begin = time.Now()
	if err := c.RestartNode(ctx, killed); err != nil {
		t.Fatalf("restart %s: %v", killed, err)
	}
	t.Logf("RestartNode (start, rejoin as replica, sync, healthy) took %s", time.Since(begin))
	role, err := c.NodeClient(killed).Do(ctx, "role").Slice()
	if err != nil || len(role) == 0 || role[0] != "slave" {
		t.Errorf("ROLE of the restarted node = %v, %v; want slave", role, err)
	}
	if err := c.WaitReplicated(ctx); err != nil {
		t.Fatalf("wait replicated after restart: %v", err)
	}
	for _, k := range keys {
		if got, err := cc.Get(ctx, k).Result(); err != nil || got != "after" {
			t.Errorf("GET %s after restart = %q, %v; want after", k, got, err)
		}
	}
}

// eventually retries f every 50ms for at most 10s (for asynchronous client-side reloads).
func eventually(ctx context.Context, f func() error) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		err := f()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestUserValidation(t *testing.T) {
	tests := []struct {
		name string
		user redistest.User
		want string
	}{
		{"empty name", redistest.User{Password: "p"}, "user name"},
		{"name with space", redistest.User{Name: "a b", Password: "p"}, "user name"},
		{"reserved admin", redistest.User{Name: "admin", Password: "p"}, "reserved"},
		{"reserved default", redistest.User{Name: "default", Password: "p"}, "reserved"},
		{"no password", redistest.User{Name: "u"}, "password"},
		{"password with space", redistest.User{Name: "u", Password: "a b"}, "password"},
		{"on in access", redistest.User{Name: "u", Password: "p", Access: "on ~*"}, `"on"`},
		{"password in access", redistest.User{Name: "u", Password: "p", Access: ">x ~*"}, "password rule"},
		{"nopass in access", redistest.User{Name: "u", Password: "p", Access: "nopass"}, "password rule"},
		{"newline in access", redistest.User{Name: "u", Password: "p", Access: "~*\n+@all"}, "one line"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Validation happens before any process is started.
			_, err := redistest.StartStandalone(redistest.StandaloneOptions{Users: []redistest.User{tc.user}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want it to contain %q", err, tc.want)
			}
		})
	}
	dup := []redistest.User{{Name: "u", Password: "p"}, {Name: "u", Password: "q"}}
	if _, err := redistest.StartCluster(redistest.ClusterOptions{Users: dup}); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("duplicate user: err %v", err)
	}
}

func TestStartupErrorIncludesLog(t *testing.T) {
	bad := redistest.User{Name: "bad", Password: "p", Access: "+nosuchcommand"}
	_, err := redistest.StartStandalone(redistest.StandaloneOptions{Users: []redistest.User{bad}})
	if err == nil {
		t.Fatal("start with an invalid ACL rule: no error")
	}
	for _, want := range []string{"exited during start-up", "redis.log", "nosuchcommand"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestMissingServer(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, tc := range []struct {
		engine redistest.Engine
		hint   string
	}{
		{"", "apt-get install -t bookworm-backports valkey-server valkey-tools"},
		{redistest.Valkey, "apt-get install -t bookworm-backports valkey-server valkey-tools"},
		{redistest.Redis, "apt-get install redis-server redis-tools"},
	} {
		_, err := redistest.StartStandalone(redistest.StandaloneOptions{Engine: tc.engine})
		if err == nil || !strings.Contains(err.Error(), "scripts/ensure-deps.sh") || !strings.Contains(err.Error(), tc.hint) {
			t.Errorf("engine %q: err %v, want install guidance %q", tc.engine, err, tc.hint)
		}
		_, err = redistest.StartCluster(redistest.ClusterOptions{Engine: tc.engine})
		if err == nil || !strings.Contains(err.Error(), "scripts/ensure-deps.sh") {
			t.Errorf("engine %q: cluster err %v, want install guidance", tc.engine, err)
		}
	}
	if _, err := redistest.StartStandalone(redistest.StandaloneOptions{Engine: "keydb"}); err == nil ||
		!strings.Contains(err.Error(), `engine "keydb"`) {
		t.Errorf("unknown engine: err %v, want it named", err)
	}
}

func TestSweepStaleDirs(t *testing.T) {
	// A pid that surely does not exist any more: a child that has exited and been reaped.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatalf("run true: %v", err)
	}
	deadPID := cmd.Process.Pid
	mk := func(owner string) string {
		d, err := os.MkdirTemp("", "redistest-sweeptest-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.RemoveAll(d) })
		if owner != "" {
			if err := os.WriteFile(filepath.Join(d, "owner.pid"), []byte(owner), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	dead := mk(strconv.Itoa(deadPID))
	alive := mk(strconv.Itoa(os.Getpid()))
	unowned := mk("")
	redistest.SweepStaleDirs()
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("directory of a dead test binary still there (stat err %v)", err)
	}
	for _, d := range []string{alive, unowned, env.Standalone.Dir, env.Cluster.Dir} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("sweep removed %s: %v", d, err)
		}
	}
}

// TestEngineRuns checks that each engine's server is the program it names, at the version
// Engine.Version reports (INFO server: Valkey adds valkey_version; Redis 7.0 has none).
func TestEngineRuns(t *testing.T) {
	for _, e := range redistest.BothEngines {
		t.Run(string(e), func(t *testing.T) {
			s := redistest.MustStandalone(t, redistest.StandaloneOptions{Engine: e})
			if s.Engine != e || s.Name() != "standalone-"+string(e) {
				t.Fatalf("Engine %q Name %q, want %q", s.Engine, s.Name(), e)
			}
			info, err := s.Client().Info(ctxT(t), "server").Result()
			if err != nil {
				t.Fatalf("info server: %v", err)
			}
			field := "redis_version:"
			if e == redistest.Valkey {
				field = "valkey_version:"
			} else if strings.Contains(info, "valkey_version:") {
				t.Errorf("redis engine reports a valkey_version:\n%s", info)
			}
			if !strings.Contains(info, field+e.Version()+"\r\n") {
				t.Errorf("INFO server has no %s%s:\n%s", field, e.Version(), info)
			}
			t.Logf("%s", e.Describe())
		})
	}
	want, err := redistest.ResolveEngines(nil) // the default engine, unless REDISTEST_ENGINES says otherwise
	if err != nil {
		t.Fatal(err)
	}
	if env.Standalone.Engine != want[0] || env.Cluster.Engine != want[0] {
		t.Errorf("Env servers run %s and %s, want %s", env.Standalone.Engine, env.Cluster.Engine, want[0])
	}
}

func TestEnginesEnv(t *testing.T) {
	for _, tc := range []struct {
		env, want, err string
	}{
		{"", "[valkey]", ""},
		{"redis", "[redis]", ""},
		{"valkey, redis,valkey", "[valkey redis]", ""},
		{"redis7", "", `engine "redis7"`},
	} {
		t.Setenv(redistest.EnginesEnv, tc.env)
		got, err := redistest.ResolveEngines(nil)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), redistest.EnginesEnv) {
				t.Errorf("%s=%q: err %v, want one naming %s and %s", redistest.EnginesEnv, tc.env, err, tc.err, redistest.EnginesEnv)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != tc.want {
			t.Errorf("%s=%q: %v, %v; want %s", redistest.EnginesEnv, tc.env, got, err, tc.want)
		}
	}
}
