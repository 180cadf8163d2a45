package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

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
