package redistest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// ClusterOptions configures StartCluster.
type ClusterOptions struct {
	// Users are created (ACL) on every node in addition to the harness's admin user.
	Users []User
	// Primaries is the number of primaries (default 3); slots are split evenly between them.
	Primaries int
	// Replicas is the number of replicas per primary: 0 means 1 (the default), -1 means none.
	Replicas int
	// NodeTimeout is cluster-node-timeout (default 2s): how long a node may be unreachable
	// before failure detection and replica promotion start.
	NodeTimeout time.Duration
	// Engine is the server program of every node (default DefaultEngine, valkey-server).
	Engine Engine
}

// Cluster is a running Redis Cluster shaped like Amazon MemoryDB: TLS only (also between the
// nodes, on the cluster bus and for replication), the "default" user off, an "admin" user with
// full access used by the harness (and as masteruser for replication), plus the optional users.
type Cluster struct {
	// Engine is the server program every node runs.
	Engine Engine
	// Addrs lists every node as "127.0.0.1:PORT" (TLS), primaries first as built.
	Addrs []string
	// CAFile is the PEM CA certificate clients must trust.
	CAFile string
	// AdminUser and AdminPassword authenticate the harness's full-access user.
	AdminUser, AdminPassword string
	// Dir holds the TLS files and one node-N directory per node (redis.conf, users.acl,
	// nodes.conf, redis.log); removed by Stop.
	Dir string
	// StartupTime is how long StartCluster took, from nothing to a healthy cluster.
	StartupTime time.Duration

	nodeTimeout time.Duration
	tls         *tlsFiles
	nodes       []*clusterNode

	mu      sync.Mutex // serialises kill/restart/user changes/stop
	users   *userSet
	admin   *redis.ClusterClient
	stopped bool
}

type clusterNode struct {
	index   int
	proc    *process
	port    int
	busPort int
	addr    string
	id      string
	client  *redis.Client // admin, direct to this node
}

// StartCluster starts Primaries*(1+Replicas) redis-server processes with cluster mode on, TLS
// only, builds the cluster (CLUSTER SET-CONFIG-EPOCH, ADDSLOTSRANGE, MEET, REPLICATE) and waits
// until every node reports cluster_state:ok, every node agrees on the topology and every
// replica has its replication link up.
func StartCluster(opts ClusterOptions) (*Cluster, error) {
	begin := time.Now()
	bin, err := opts.Engine.path()
	if err != nil {
		return nil, err
	}
	primaries := opts.Primaries
	if primaries == 0 {
		primaries = 3
	}
	if primaries < 1 || primaries > 100 {
		return nil, fmt.Errorf("start cluster: ClusterOptions.Primaries %d: want 1..100", opts.Primaries)
	}
	replicas := opts.Replicas
	switch {
	case replicas == 0:
		replicas = 1
	case replicas == -1:
		replicas = 0
	case replicas < 0 || replicas > 5:
		return nil, fmt.Errorf("start cluster: ClusterOptions.Replicas %d: want -1..5", opts.Replicas)
	}
	nodeTimeout := opts.NodeTimeout
	if nodeTimeout == 0 {
		nodeTimeout = 2 * time.Second
	}
	if nodeTimeout < 100*time.Millisecond {
		return nil, fmt.Errorf("start cluster: ClusterOptions.NodeTimeout %s: want at least 100ms", nodeTimeout)
	}
	users, err := newUserSet(false, opts.Users)
	if err != nil {
		return nil, fmt.Errorf("start cluster: %w", err)
	}
	dir, err := makeTempDir("cluster")
	if err != nil {
		return nil, fmt.Errorf("start cluster: %w", err)
	}
	c := &Cluster{
		Engine:        opts.Engine.orDefault(),
		AdminUser:     AdminUser,
		AdminPassword: users.admin.Password,
		Dir:           dir,
		nodeTimeout:   nodeTimeout,
		users:         users,
	}
	if err := c.build(bin, primaries, replicas); err != nil {
		c.Stop()
		return nil, fmt.Errorf("start cluster: %w", err)
	}
	c.StartupTime = time.Since(begin)
	report("cluster", c.Engine, fmt.Sprintf("%d primaries x %d replicas, TLS, ACL", primaries, replicas))
	return c, nil
}

// Name returns "cluster-" and the engine, e.g. "cluster-valkey".
func (c *Cluster) Name() string { return "cluster-" + string(c.Engine) }

// ServerEngine returns the engine every node runs.
func (c *Cluster) ServerEngine() Engine { return c.Engine }

// byID returns the node whose cluster id is id, or nil.
func (c *Cluster) byID(id string) *clusterNode {
	for _, n := range c.nodes {
		if n.id == id {
			return n
		}
	}
	return nil
}

// byAddr returns the node listening on addr, or nil.
func (c *Cluster) byAddr(addr string) *clusterNode {
	for _, n := range c.nodes {
		if n.addr == addr {
			return n
		}
	}
	return nil
}

// FlushAll deletes every key on every running primary (FLUSHALL SYNC, replicated to the
// replicas) and drops the cached Lua scripts on every running node.
func (c *Cluster) FlushAll(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		if !n.proc.running() {
			continue
		}
		role, err := n.client.Do(ctx, "role").Slice()
		if err != nil || len(role) == 0 {
			return fmt.Errorf("flushall: node %d (%s): role: %v", n.index, n.addr, err)
		}
		if role[0] == "master" {
			if err := n.client.Do(ctx, "flushall", "sync").Err(); err != nil {
				return fmt.Errorf("flushall: node %d (%s): %w", n.index, n.addr, err)
			}
		}
		if err := n.client.ScriptFlush(ctx).Err(); err != nil {
			return fmt.Errorf("flushall: node %d (%s): script flush: %w", n.index, n.addr, err)
		}
	}
	return nil
}

// Stop kills every node process and removes Dir. Safe to call more than once.
func (c *Cluster) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	c.stopped = true
	var wg sync.WaitGroup
	for _, n := range c.nodes {
		wg.Go(n.proc.kill)
	}
	wg.Wait()
	if c.admin != nil {
		_ = c.admin.Close()
	}
	for _, n := range c.nodes {
		if n.client != nil {
			_ = n.client.Close()
		}
	}
	_ = os.RemoveAll(c.Dir)
}
