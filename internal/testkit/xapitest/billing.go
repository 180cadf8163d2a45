package xapitest

import "time"

// PostsServed is how many posts the search answers held on the UTC day of day (by the server
// clock): what X bills at most, since it bills every post it returns (each once per UTC day).
func (s *Server) PostsServed(day time.Time) int {
	y, m, d := day.UTC().Date()
	n := 0
	for _, r := range s.SearchRequests() {
		if ry, rm, rd := r.At.UTC().Date(); ry == y && rm == m && rd == d {
			n += r.Posts
		}
	}
	return n
}
