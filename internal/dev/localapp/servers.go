package localapp

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// The local servers' timeouts: a client that trickles its request, or never reads the answer,
// or keeps an idle connection open, gives its connection up after these.
const (
	headerTimeout = 10 * time.Second // the request line and headers
	readTimeout   = 30 * time.Second // the whole request, body included
	writeTimeout  = 30 * time.Second // from the end of the headers to the end of the answer
	idleTimeout   = 2 * time.Minute  // a kept-alive connection between requests
)

// newServer is an HTTP server of h with the local servers' timeouts.
func newServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: headerTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout}
}

// serve serves srv on ln until it is shut down; when it fails otherwise, the error goes to
// App.serveErr, which ends Loop.
func (a *App) serve(srv *http.Server, ln net.Listener, what string) {
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.serveErr <- fmt.Errorf("%s server: %w", what, err)
	}
}

// displayHost is how the URL names the listening host: localhost for loopback and
// all-interfaces addresses.
func displayHost(host string) string {
	switch host {
	case "", "127.0.0.1", "::1", "localhost", "0.0.0.0", "::":
		return "localhost"
	}
	return host
}
