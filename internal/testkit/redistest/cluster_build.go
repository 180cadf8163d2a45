package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// build brings the cluster up from nothing, as redis-cli --cluster create does: TLS material,
// a directory and a started process per node, then the cluster formed from them (distinct
// config epochs, the slots split between the primaries, every node met, the replicas attached)
// and waited for until healthy.
func (c *Cluster) build(bin string, primaries, replicas int) error {
	var err error
	if c.tls, err = generateTLS(c.Dir); err != nil {
		return err
	}
	c.CAFile = c.tls.CAFile
	if err := c.prepareNodes(bin, primaries*(1+replicas)); err != nil {
		return err
	}
	if err := c.startNodes(); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.setConfigEpochs(ctx); err != nil {
		return err
	}
	if err := c.assignSlots(ctx, primaries); err != nil {
		return err
	}
	if err := c.meetAll(ctx); err != nil {
		return err
	}
	if err := c.poll(ctx, "all nodes to know each other", c.checkMet); err != nil {
		return err
	}
	if err := c.attachReplicas(ctx, primaries); err != nil {
		return err
	}
	return c.poll(ctx, "the cluster to be healthy", c.checkHealthy)
}

// prepareNodes makes n nodes, each with its directory (holding the users' ACL file), its
// process (not started) and two free ports, for clients and for the cluster bus.
func (c *Cluster) prepareNodes(bin string, n int) error {
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
	return nil
}

// startNodes starts every process in parallel (a node whose port was taken meanwhile gets new
// ports), then records the nodes' addresses in Addrs.
func (c *Cluster) startNodes() error {
	errs := make([]error, len(c.nodes))
	var wg sync.WaitGroup
	for i, node := range c.nodes {
		wg.Go(func() { errs[i] = c.startFresh(node) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	c.Addrs = make([]string, len(c.nodes))
	for i, node := range c.nodes {
		c.Addrs[i] = node.addr
	}
	return nil
}

// setConfigEpochs learns every node's id and gives the nodes distinct config epochs, as
// redis-cli --cluster create does, so no epoch collision has to be resolved before the cluster
// is stable.
func (c *Cluster) setConfigEpochs(ctx context.Context) error {
	for i, node := range c.nodes {
		id, err := node.client.Do(ctx, "cluster", "myid").Text()
		if err != nil {
			return fmt.Errorf("node %d (%s): cluster myid: %w", i, node.addr, err)
		}
		node.id = id
		if err := node.client.Do(ctx, "cluster", "set-config-epoch", i+1).Err(); err != nil {
			return fmt.Errorf("node %d (%s): cluster set-config-epoch: %w", i, node.addr, err)
		}
	}
	return nil
}

// assignSlots splits the 16384 slots evenly between the first primaries nodes.
func (c *Cluster) assignSlots(ctx context.Context, primaries int) error {
	for i := range primaries {
		from, to := i*16384/primaries, (i+1)*16384/primaries-1
		if err := c.nodes[i].client.Do(ctx, "cluster", "addslotsrange", from, to).Err(); err != nil {
			return fmt.Errorf("node %d (%s): cluster addslotsrange %d %d: %w", i, c.nodes[i].addr, from, to, err)
		}
	}
	return nil
}

// meetAll introduces every other node to node 0 (CLUSTER MEET); gossip does the rest.
func (c *Cluster) meetAll(ctx context.Context) error {
	for _, node := range c.nodes[1:] {
		if err := c.nodes[0].client.Do(ctx, "cluster", "meet", "127.0.0.1", node.port, node.busPort).Err(); err != nil {
			return fmt.Errorf("node 0: cluster meet %s (bus %d): %w", node.addr, node.busPort, err)
		}
	}
	return nil
}

// attachReplicas makes every node after the primaries a replica, of the primaries in turn.
func (c *Cluster) attachReplicas(ctx context.Context, primaries int) error {
	for i, node := range c.nodes[primaries:] {
		primary := c.nodes[i%primaries]
		if err := node.client.Do(ctx, "cluster", "replicate", primary.id).Err(); err != nil {
			return fmt.Errorf("node %d (%s): cluster replicate %s: %w", node.index, node.addr, primary.addr, err)
		}
	}
	return nil
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
