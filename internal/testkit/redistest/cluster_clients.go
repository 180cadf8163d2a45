package redistest

import (
	"crypto/tls"
	"slices"

	"github.com/redis/go-redis/v9"
)

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
