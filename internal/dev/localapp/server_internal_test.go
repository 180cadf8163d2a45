package localapp

import (
	"context"
	"net/http"
	"testing"
)

// TestServersTimeOut: both local servers, the leaderboard and the X API stand-in, bound every
// phase of a connection (headers, whole request, answer, idle keep-alive), so a client that
// trickles a request or idles cannot hold a connection for ever. (net/http enforces them; what
// is checked here is that each server has them.)
func TestServersTimeOut(t *testing.T) {
	a, err := Start(t.Context(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	for name, srv := range map[string]*http.Server{"leaderboard": a.web, "X API stand-in": a.xapi} {
		if srv == nil {
			t.Fatalf("%s: no server", name)
		}
		if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
			t.Errorf("%s: timeouts header %s, read %s, write %s, idle %s; want all set", name,
				srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
		}
	}
}
