package redistest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
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

func (c *Cluster) build(bin string, primaries, replicas int) error {
	var err error
	if c.tls, err = generateTLS(c.Dir); err != nil {
		return err
	}
	c.CAFile = c.tls.CAFile

	n := primaries * (1 + replicas)
	ports, err := freePorts(2 * n)
	if err != nil {
		return err
	}
	for i := range n {
		nd := filepath.Join(c.Dir, fmt.Sprintf("node-%d", i))
		if err := os.Mkdir(nd, 0o700); err != nil {
			return fmt.Errorf("node %d dir: %w", i, err)
		}
		node := &clusterNode{
			index: i,
			proc: &process{
				bin:      bin,
				name:     fmt.Sprintf("cluster node %d", i),
				dir:      nd,
				confPath: filepath.Join(nd, "redis.conf"),
				logPath:  filepath.Join(nd, "redis.log"),
			},
		}
		c.nodes = append(c.nodes, node)
		if err := writeFile(filepath.Join(nd, "users.acl"), c.users.aclFile()); err != nil {
			return err
		}
		c.setPorts(node, ports[2*i], ports[2*i+1])
	}

	// Start every process in parallel; a node whose port was taken meanwhile gets new ports.
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, node := range c.nodes {
		wg.Go(func() { errs[i] = c.startFresh(node) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	c.Addrs = make([]string, n)
	for i, node := range c.nodes {
		c.Addrs[i] = node.addr
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i, node := range c.nodes {
		id, err := node.client.Do(ctx, "cluster", "myid").Text()
		if err != nil {
			return fmt.Errorf("node %d (%s): cluster myid: %w", i, node.addr, err)
		}
		node.id = id
		// Distinct config epochs, as redis-cli --cluster create does, so no epoch collision
		// has to be resolved before the cluster is stable.
		if err := node.client.Do(ctx, "cluster", "set-config-epoch", i+1).Err(); err != nil {
			return fmt.Errorf("node %d (%s): cluster set-config-epoch: %w", i, node.addr, err)
		}
	}
	for i := range primaries {
		from, to := i*16384/primaries, (i+1)*16384/primaries-1
		if err := c.nodes[i].client.Do(ctx, "cluster", "addslotsrange", from, to).Err(); err != nil {
			return fmt.Errorf("node %d (%s): cluster addslotsrange %d %d: %w", i, c.nodes[i].addr, from, to, err)
		}
	}
	for _, node := range c.nodes[1:] {
		if err := c.nodes[0].client.Do(ctx, "cluster", "meet", "127.0.0.1", node.port, node.busPort).Err(); err != nil {
			return fmt.Errorf("node 0: cluster meet %s (bus %d): %w", node.addr, node.busPort, err)
		}
	}
	if err := c.poll(ctx, "all nodes to know each other", c.checkMet); err != nil {
		return err
	}
	for i, node := range c.nodes[primaries:] {
		primary := c.nodes[i%primaries]
		if err := node.client.Do(ctx, "cluster", "replicate", primary.id).Err(); err != nil {
			return fmt.Errorf("node %d (%s): cluster replicate %s: %w", node.index, node.addr, primary.addr, err)
		}
	}
	return c.poll(ctx, "the cluster to be healthy", c.checkHealthy)
}

// freePorts returns count distinct free ports (the listeners are held until all are chosen).
func freePorts(count int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	ports := make([]int, 0, count)
	for len(ports) < count {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find free port: %w", err)
		}
		ls = append(ls, l)
		if p := l.Addr().(*net.TCPAddr).Port; p != 6379 {
			ports = append(ports, p)
		}
	}
	return ports, nil
}

func (c *Cluster) setPorts(node *clusterNode, port, busPort int) {
	node.port, node.busPort = port, busPort
	node.addr = "127.0.0.1:" + itoa(port)
	if node.client != nil {
		_ = node.client.Close()
	}
	node.client = redis.NewClient(c.nodeOptions(node.addr))
}

func (c *Cluster) nodeOptions(addr string) *redis.Options {
	return &redis.Options{
		Addr:            addr,
		Username:        AdminUser,
		Password:        c.AdminPassword,
		TLSConfig:       c.tls.clientTLS(),
		DisableIdentity: true,
		DialTimeout:     2 * time.Second,
		ReadTimeout:     5 * time.Second,
		WriteTimeout:    5 * time.Second,
		MaxRetries:      -1, // the harness polls; a dead node must fail fast
		PoolSize:        2,
	}
}

// startFresh starts a node for the first time, retrying on new ports when its port was
// taken between choosing and binding it.
func (c *Cluster) startFresh(node *clusterNode) error {
	const attempts = 3
	for attempt := 1; ; attempt++ {
		if err := writeFile(node.proc.confPath, c.nodeConfig(node)); err != nil {
			return err
		}
		err := c.startNode(context.Background(), node)
		if err == nil {
			return nil
		}
		if attempt == attempts || !portInUse(node.proc) {
			return err
		}
		node.proc.kill()
		ports, perr := freePorts(2)
		if perr != nil {
			return errors.Join(err, perr)
		}
		c.setPorts(node, ports[0], ports[1])
	}
}

func (c *Cluster) startNode(ctx context.Context, node *clusterNode) error {
	if err := node.proc.start(); err != nil {
		return err
	}
	return waitReady(ctx, node.proc, func(ctx context.Context) error { return node.client.Ping(ctx).Err() })
}

func (c *Cluster) nodeConfig(node *clusterNode) string {
	d := node.proc.dir
	lines := []string{
		"bind 127.0.0.1",
		"daemonize no",
		"protected-mode no",
		`dir "` + d + `"`,
		`save ""`,
		"appendonly no",
		`aclfile "` + filepath.Join(d, "users.acl") + `"`,
		"port 0",
		"tls-port " + itoa(node.port),
		`tls-cert-file "` + c.tls.CertFile + `"`,
		`tls-key-file "` + c.tls.KeyFile + `"`,
		`tls-ca-cert-file "` + c.tls.CAFile + `"`,
		"tls-auth-clients no",
		"tls-replication yes",
		"tls-cluster yes",
		"cluster-enabled yes",
		`cluster-config-file "` + filepath.Join(d, "nodes.conf") + `"`,
		"cluster-port " + itoa(node.busPort),
		"cluster-node-timeout " + itoa(int(c.nodeTimeout/time.Millisecond)),
		"cluster-replica-validity-factor 0",
		"cluster-announce-ip 127.0.0.1",
		"masteruser " + AdminUser,
		"masterauth " + c.AdminPassword,
		"repl-diskless-sync yes",
		"repl-diskless-sync-delay 0",
	}
	return strings.Join(lines, "\n") + "\n"
}

// poll runs check until it returns nil or ctx ends.
func (c *Cluster) poll(ctx context.Context, what string, check func(context.Context) error) error {
	var last error
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		last = check(cctx)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last check: %v)", what, ctx.Err(), last)
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// nodeLine is one line of CLUSTER NODES.
type nodeLine struct {
	id, addr, master string
	flags            []string
	slots            bool
}

func (l nodeLine) has(flag string) bool { return slices.Contains(l.flags, flag) }

func (l nodeLine) role() string {
	if l.has("master") {
		return "master"
	}
	return "slave"
}

func clusterNodes(ctx context.Context, cl *redis.Client) ([]nodeLine, error) {
	out, err := cl.ClusterNodes(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("cluster nodes: %w", err)
	}
	var lines []nodeLine
	for _, raw := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(raw)
		if len(f) < 8 {
			return nil, fmt.Errorf("cluster nodes: short line %q", raw)
		}
		lines = append(lines, nodeLine{id: f[0], addr: f[1], flags: strings.Split(f[2], ","), master: f[3], slots: len(f) > 8})
	}
	return lines, nil
}

func (c *Cluster) byID(id string) *clusterNode {
	for _, n := range c.nodes {
		if n.id == id {
			return n
		}
	}
	return nil
}

// checkMet: every node lists every node, none in handshake.
func (c *Cluster) checkMet(ctx context.Context) error {
	for _, n := range c.nodes {
		lines, err := clusterNodes(ctx, n.client)
		if err != nil {
			return fmt.Errorf("node %d: %w", n.index, err)
		}
		known := 0
		for _, l := range lines {
			if l.has("handshake") || l.has("noaddr") {
				return fmt.Errorf("node %d sees %s in handshake", n.index, l.addr)
			}
			if c.byID(l.id) != nil {
				known++
			}
		}
		if known != len(c.nodes) {
			return fmt.Errorf("node %d knows %d of %d nodes", n.index, known, len(c.nodes))
		}
	}
	return nil
}

// checkHealthy verifies, on every running node: cluster_state:ok with all slots served; it
// knows every node; running nodes are not flagged failing and have the role and primary they
// report themselves; stopped nodes are flagged fail and own no slots; replicas have their
// replication link up.
func (c *Cluster) checkHealthy(ctx context.Context) error {
	type self struct{ role, master string }
	selves := map[string]self{}
	views := map[*clusterNode][]nodeLine{}
	for _, n := range c.nodes {
		if !n.proc.running() {
			continue
		}
		info, err := n.client.ClusterInfo(ctx).Result()
		if err != nil {
			return fmt.Errorf("node %d (%s): cluster info: %w", n.index, n.addr, err)
		}
		if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_slots_ok:16384") {
			return fmt.Errorf("node %d (%s): cluster not ok yet", n.index, n.addr)
		}
		lines, err := clusterNodes(ctx, n.client)
		if err != nil {
			return fmt.Errorf("node %d (%s): %w", n.index, n.addr, err)
		}
		if len(lines) != len(c.nodes) {
			return fmt.Errorf("node %d (%s) knows %d of %d nodes", n.index, n.addr, len(lines), len(c.nodes))
		}
		views[n] = lines
		for _, l := range lines {
			if l.has("myself") {
				selves[n.id] = self{l.role(), l.master}
			}
		}
		if selves[n.id].role == "slave" {
			repl, err := n.client.Info(ctx, "replication").Result()
			if err != nil {
				return fmt.Errorf("node %d (%s): info replication: %w", n.index, n.addr, err)
			}
			if !strings.Contains(repl, "master_link_status:up") {
				return fmt.Errorf("node %d (%s): replication link not up", n.index, n.addr)
			}
		}
	}
	for viewer, lines := range views {
		for _, l := range lines {
			n := c.byID(l.id)
			if n == nil {
				return fmt.Errorf("node %d lists unknown node %s", viewer.index, l.id)
			}
			if !n.proc.running() {
				if !l.has("fail") || l.slots {
					return fmt.Errorf("node %d still sees stopped node %d (%s) as %v (owns slots: %v)", viewer.index, n.index, n.addr, l.flags, l.slots)
				}
				continue
			}
			if l.has("fail") || l.has("fail?") || l.has("handshake") || l.has("noaddr") {
				return fmt.Errorf("node %d sees node %d (%s) as %v", viewer.index, n.index, n.addr, l.flags)
			}
			if s := selves[n.id]; l.role() != s.role || (s.role == "slave" && l.master != s.master) {
				return fmt.Errorf("node %d sees node %d (%s) as %s of %s, but it is %s of %s", viewer.index, n.index, n.addr, l.role(), l.master, s.role, s.master)
			}
		}
	}
	return nil
}

// WaitHealthy waits until the cluster is healthy (see StartCluster), at most a minute.
func (c *Cluster) WaitHealthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return c.poll(ctx, "the cluster to be healthy", c.checkHealthy)
}

// WaitReplicated waits (at most 30s) until, on every running primary, every replica is online
// and has acknowledged the primary's whole replication stream: writes made before the call
// survive a KillPrimary.
func (c *Cluster) WaitReplicated(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return c.poll(ctx, "replicas to catch up", c.checkReplicated)
}

func (c *Cluster) checkReplicated(ctx context.Context) error {
	for _, n := range c.nodes {
		if !n.proc.running() {
			continue
		}
		info, err := n.client.Info(ctx, "replication").Result()
		if err != nil {
			return fmt.Errorf("node %d (%s): info replication: %w", n.index, n.addr, err)
		}
		fields := map[string]string{}
		for _, line := range strings.Split(info, "\n") {
			if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
				fields[k] = v
			}
		}
		if fields["role"] != "master" {
			continue
		}
		offset := fields["master_repl_offset"]
		for k, v := range fields {
			if !strings.HasPrefix(k, "slave") || k == "slave_read_repl_offset" || k == "slave_repl_offset" {
				continue
			}
			// slaveN:ip=127.0.0.1,port=P,state=online,offset=O,lag=L
			if !strings.Contains(v, "state=online") || !strings.Contains(v+",", ",offset="+offset+",") {
				return fmt.Errorf("node %d (%s) at offset %s: replica %s", n.index, n.addr, offset, v)
			}
		}
	}
	return nil
}

// Name returns "cluster-" and the engine, e.g. "cluster-valkey".
func (c *Cluster) Name() string { return "cluster-" + string(c.Engine) }

// ServerEngine returns the engine every node runs.
func (c *Cluster) ServerEngine() Engine { return c.Engine }

// TLSConfig returns a client TLS configuration trusting the cluster CA (a new value each call).
func (c *Cluster) TLSConfig() *tls.Config { return c.tls.clientTLS() }

// ClusterClientOptions returns go-redis options for user: every node as a seed, TLS verifying
// the certificate against the cluster CA, DisableIdentity set. Tests may adjust them.
func (c *Cluster) ClusterClientOptions(user, password string) *redis.ClusterOptions {
	return &redis.ClusterOptions{
		Addrs:           slices.Clone(c.Addrs),
		Username:        user,
		Password:        password,
		TLSConfig:       c.tls.clientTLS(),
		DisableIdentity: true,
	}
}

// ClusterClient returns a new cluster client authenticating as user (the caller closes it).
func (c *Cluster) ClusterClient(user, password string) *redis.ClusterClient {
	return redis.NewClusterClient(c.ClusterClientOptions(user, password))
}

// Connect is ClusterClient as a redis.UniversalClient (for the Server interface).
func (c *Cluster) Connect(user, password string) redis.UniversalClient {
	return c.ClusterClient(user, password)
}

// AdminClient returns the harness's admin cluster client (owned by c: do not Close it).
func (c *Cluster) AdminClient() *redis.ClusterClient {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.admin == nil {
		c.admin = c.ClusterClient(AdminUser, c.AdminPassword)
	}
	return c.admin
}

// Admin is AdminClient as a redis.UniversalClient (owned by c: do not Close it).
func (c *Cluster) Admin() redis.UniversalClient { return c.AdminClient() }

// Config returns the connection settings for user, shaped like store.Config: Addr is one
// running node (like a MemoryDB cluster endpoint), Cluster and TLS are true.
func (c *Cluster) Config(user, password string) ClientConfig {
	c.mu.Lock()
	defer c.mu.Unlock()
	addr := c.Addrs[0]
	for _, n := range c.nodes {
		if n.proc.running() {
			addr = n.addr
			break
		}
	}
	return ClientConfig{Addr: addr, Cluster: true, TLS: true, CAFile: c.CAFile, Username: user, Password: password}
}

// NodeClient returns the harness's admin client connected directly to the node at addr
// (owned by c: do not Close it), or nil when addr is not a node.
func (c *Cluster) NodeClient(addr string) *redis.Client {
	if n := c.byAddr(addr); n != nil {
		return n.client
	}
	return nil
}

func (c *Cluster) byAddr(addr string) *clusterNode {
	for _, n := range c.nodes {
		if n.addr == addr {
			return n
		}
	}
	return nil
}

// KillPrimary kills (SIGKILL) one running primary that has a connected replica, waits until a
// replica has been promoted and the cluster is healthy again, and returns the killed node's
// address (give it to RestartNode to bring the node back as a replica).
func (c *Cluster) KillPrimary(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	victim, err := c.primaryWithReplica(ctx)
	if err != nil {
		return "", fmt.Errorf("kill primary: %w", err)
	}
	victim.proc.kill()
	if err := c.WaitHealthy(ctx); err != nil {
		return victim.addr, fmt.Errorf("kill primary %s: after the kill: %w", victim.addr, err)
	}
	return victim.addr, nil
}

func (c *Cluster) primaryWithReplica(ctx context.Context) (*clusterNode, error) {
	for _, n := range c.nodes {
		if !n.proc.running() {
			continue
		}
		lines, err := clusterNodes(ctx, n.client)
		if err != nil {
			return nil, fmt.Errorf("node %d (%s): %w", n.index, n.addr, err)
		}
		for _, p := range lines {
			if p.role() != "master" || !p.slots {
				continue
			}
			for _, r := range lines {
				if r.master == p.id && !r.has("fail") && !r.has("fail?") {
					if pn, rn := c.byID(p.id), c.byID(r.id); pn != nil && rn != nil && pn.proc.running() && rn.proc.running() {
						return pn, nil
					}
				}
			}
		}
		break
	}
	return nil, errors.New("no running primary with a running replica")
}

// RestartNode starts a killed node again (same ports, same nodes.conf, current users) and
// waits until it has rejoined and the cluster is healthy; a killed primary whose replica was
// promoted comes back as that replica's replica.
func (c *Cluster) RestartNode(ctx context.Context, addr string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return fmt.Errorf("restart node %s: cluster stopped", addr)
	}
	n := c.byAddr(addr)
	if n == nil {
		return fmt.Errorf("restart node %s: not a node of this cluster", addr)
	}
	if n.proc.running() {
		return fmt.Errorf("restart node %s: still running", addr)
	}
	err := c.startNode(ctx, n)
	if err != nil && strings.Contains(err.Error(), "corrupted cluster config file") {
		// Valkey 8.0 may refuse its own nodes.conf after a kill when the shard ids of a shard
		// had not settled (valkey-io/valkey#774, #2171): start it again without the shard ids
		// it wrote, which it then takes from its primary.
		if ferr := dropShardIDs(filepath.Join(n.proc.dir, "nodes.conf")); ferr != nil {
			return fmt.Errorf("restart node %s: %w (and %w)", addr, err, ferr)
		}
		err = c.startNode(ctx, n)
	}
	if err != nil {
		return fmt.Errorf("restart node %s: %w", addr, err)
	}
	if err := c.WaitHealthy(ctx); err != nil {
		return fmt.Errorf("restart node %s: %w", addr, err)
	}
	return nil
}

// dropShardIDs removes the shard-id fields from the nodes.conf at path.
func dropShardIDs(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, shardIDField.ReplaceAll(b, nil), 0o600)
}

// shardIDField is the shard-id field of a nodes.conf line (Redis 7.2 and Valkey).
var shardIDField = regexp.MustCompile(`,shard-id=[0-9a-f]+`)

// RestartKilled restarts every killed node (see RestartNode).
func (c *Cluster) RestartKilled(ctx context.Context) error {
	for _, n := range c.nodes {
		if !n.proc.running() {
			if err := c.RestartNode(ctx, n.addr); err != nil {
				return err
			}
		}
	}
	return nil
}

// SetUser creates user u or replaces it entirely on every running node (ACL SETUSER name
// reset on >password rules); killed nodes get it when restarted.
func (c *Cluster) SetUser(ctx context.Context, u User) error {
	if err := u.validate(); err != nil {
		return fmt.Errorf("set user: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.everyRunningNode(ctx, u.setUserArgs()...); err != nil {
		return fmt.Errorf("set user %q: %w", u.Name, err)
	}
	c.users.put(u)
	return c.writeACLFiles()
}

// SetUserPassword replaces the password of an existing user on every running node (ACL
// SETUSER name resetpass >password); killed nodes get it when restarted. Connections already
// authenticated stay open, as with a real secret rotation.
func (c *Cluster) SetUserPassword(ctx context.Context, user, password string) error {
	if err := validatePassword(password); err != nil {
		return fmt.Errorf("set password of %q: %w", user, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.users.get(user)
	if !ok {
		return fmt.Errorf("set password of %q: no such user created by the harness", user)
	}
	if err := c.everyRunningNode(ctx, "acl", "setuser", user, "resetpass", ">"+password); err != nil {
		return fmt.Errorf("set password of %q: %w", user, err)
	}
	u.Password = password
	c.users.put(u)
	return c.writeACLFiles()
}

func (c *Cluster) everyRunningNode(ctx context.Context, args ...any) error {
	for _, n := range c.nodes {
		if !n.proc.running() {
			continue
		}
		if err := n.client.Do(ctx, args...).Err(); err != nil {
			return fmt.Errorf("node %d (%s): %w", n.index, n.addr, err)
		}
	}
	return nil
}

func (c *Cluster) writeACLFiles() error {
	content := c.users.aclFile()
	for _, n := range c.nodes {
		if err := writeFile(filepath.Join(n.proc.dir, "users.acl"), content); err != nil {
			return fmt.Errorf("node %d: %w", n.index, err)
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
