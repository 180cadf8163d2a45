package redistest

// SweepStaleDirs exposes the stale-directory sweep to the tests.
var SweepStaleDirs = sweepStaleDirs

// ResolveEngines exposes how EnvOptions.Engines and REDISTEST_ENGINES are resolved.
var ResolveEngines = engines

// NodesConf is the path of the nodes.conf of the cluster node at addr ("" for none).
func (c *Cluster) NodesConf(addr string) string {
	if n := c.byAddr(addr); n != nil {
		return n.proc.dir + "/nodes.conf"
	}
	return ""
}
