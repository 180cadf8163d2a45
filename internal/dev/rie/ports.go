package rie

import (
	"fmt"
	"net"
	"sync"
)

// handedOut holds every port freePorts returned in this process. The emulator binds its Runtime
// API port only when the function first starts, so a port handed to one emulator is still free
// when the next one asks: without this set, two emulators started one after the other could get
// the same Runtime API port and one bootstrap would find its Runtime API refusing connections.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// freePorts returns n distinct TCP ports of 127.0.0.1 that were free a moment ago, never 6379
// and never one it returned before in this process.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	handedOut.Lock()
	defer handedOut.Unlock()
	var ports []int
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("rie: find a free port: %w", err)
		}
		ls = append(ls, l)
		if p := l.Addr().(*net.TCPAddr).Port; p != 6379 && !handedOut.ports[p] {
			handedOut.ports[p] = true
			ports = append(ports, p)
		}
	}
	return ports, nil
}
