package redistest

import (
	"context"
	"fmt"
	"path/filepath"
)

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
