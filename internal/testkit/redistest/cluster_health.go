package redistest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

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
