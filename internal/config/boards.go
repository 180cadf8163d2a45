package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// Board is one leaderboard of a deployment: its name (the Redis hash tag of its keys) and the X
// recent-search query that feeds it.
type Board struct {
	Name  string `json:"name"`
	Query string `json:"query"`
}

// MaxQueryBytes bounds a board's query: X's limit of a recent-search query for the self-serve
// access levels, which the X API client enforces too (xapi.MaxQueryLength; a test compares them).
const MaxQueryBytes = 512

// MaxBoards bounds BOARDS: every board costs at least one X request per ingest run and widens
// both Redis users' key patterns.
const MaxBoards = 25

// loadBoards reads the deployment's boards, in the order given; the first is the default board.
// Two forms are accepted, never both:
//
//   - BOARDS: a JSON object, board name → query, e.g. {"aws": "#aws -is:retweet"};
//   - the one-board form: LEADERBOARD (default DefaultLeaderboard) and SEARCH_QUERY.
//
// needQuery says whether every board must have a query (the ingest function); the leaderboard
// function only needs the names, and shows the queries when they are set.
//
// When BOARD_NAMES is set (the templates set it to their BoardNames parameter, the boards whose
// keys the MemoryDB users may reach), the boards must be exactly those, in any order: a board
// the users cannot reach would fail at every run, and one they may reach but nobody serves
// widens their access for nothing. CloudFormation cannot read the names out of the BOARDS JSON,
// so the stack takes them twice and the functions refuse to start when the two differ.
func loadBoards(getenv func(string) string, needQuery bool) ([]Board, error) {
	boards, err := readBoards(getenv, needQuery)
	if err != nil {
		return nil, err
	}
	if err := checkBoardNames(getenv("BOARD_NAMES"), boards); err != nil {
		return nil, err
	}
	return boards, nil
}

// LoadBoards reads the deployment's boards as the leaderboard function does (a query is
// optional in the one-board form), for the local tools that set up Redis users for them.
func LoadBoards(getenv func(string) string) ([]Board, error) {
	return loadBoards(getenv, false)
}

// checkBoardNames checks the boards against BOARD_NAMES (comma-separated; unset: no check).
func checkBoardNames(raw string, boards []Board) error {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	var acl []string
	for n := range strings.SplitSeq(raw, ",") {
		if n = strings.TrimSpace(n); n != "" && !slices.Contains(acl, n) {
			acl = append(acl, n)
		}
	}
	names := Names(boards)
	same := len(acl) == len(names)
	for _, n := range names {
		same = same && slices.Contains(acl, n)
	}
	if same {
		return nil
	}
	return fmt.Errorf("BOARDS names %s but BOARD_NAMES, the boards the MemoryDB users may reach (stack parameter BoardNames), is %s: set BoardNames to the names of Boards, comma-separated",
		strings.Join(names, ", "), strings.Join(acl, ", "))
}

// readBoards reads BOARDS or the one-board form.
func readBoards(getenv func(string) string, needQuery bool) ([]Board, error) {
	raw := strings.TrimSpace(getenv("BOARDS"))
	name := strings.TrimSpace(getenv("LEADERBOARD"))
	query := strings.TrimSpace(getenv("SEARCH_QUERY"))
	if raw != "" {
		if name != "" || query != "" {
			var set []string
			for _, v := range []struct{ name, value string }{{"LEADERBOARD", name}, {"SEARCH_QUERY", query}} {
				if v.value != "" {
					set = append(set, v.name)
				}
			}
			return nil, fmt.Errorf("BOARDS and %s are both set: use BOARDS alone (name → query) or the one-board form LEADERBOARD + SEARCH_QUERY", strings.Join(set, " + "))
		}
		return ParseBoards(raw)
	}
	if name == "" {
		name = DefaultLeaderboard
	}
	if err := store.CheckName(name); err != nil {
		return nil, fmt.Errorf("LEADERBOARD: %w", err)
	}
	if query == "" && needQuery {
		return nil, errors.New("SEARCH_QUERY is not set: want an X recent-search query, e.g. \"#aws -is:retweet\" (or set BOARDS)")
	}
	if len(query) > MaxQueryBytes {
		return nil, fmt.Errorf("SEARCH_QUERY is %d bytes, over X's limit of %d", len(query), MaxQueryBytes)
	}
	return []Board{{Name: name, Query: query}}, nil
}

// ParseBoards parses the BOARDS JSON object, keeping its order. Every error names BOARDS and,
// where there is one, the board at fault.
func ParseBoards(raw string) ([]Board, error) {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	bad := func(format string, a ...any) error {
		return fmt.Errorf("BOARDS: "+format+`: want a JSON object of board name → X search query, e.g. {"aws": "#aws -is:retweet"}`, a...)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, bad("not a JSON object")
	}
	var boards []Board
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, bad("not valid JSON (%v)", err)
		}
		name, _ := tok.(string)
		var query any
		if err := dec.Decode(&query); err != nil {
			return nil, bad("not valid JSON (%v)", err)
		}
		if err := store.CheckName(name); err != nil {
			return nil, fmt.Errorf("BOARDS: board %w", err)
		}
		if seen[name] {
			return nil, fmt.Errorf("BOARDS: board %q is listed twice", name)
		}
		seen[name] = true
		q, ok := query.(string)
		if q = strings.TrimSpace(q); !ok || q == "" {
			return nil, fmt.Errorf("BOARDS: board %q: the query must be a non-empty string", name)
		}
		if len(q) > MaxQueryBytes {
			return nil, fmt.Errorf("BOARDS: board %q: the query is %d bytes, over X's limit of %d", name, len(q), MaxQueryBytes)
		}
		boards = append(boards, Board{Name: name, Query: q})
	}
	if _, err := dec.Token(); err != nil {
		return nil, bad("not valid JSON (%v)", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad("more than one JSON value")
	}
	if len(boards) == 0 {
		return nil, bad("no board")
	}
	if len(boards) > MaxBoards {
		return nil, fmt.Errorf("BOARDS: %d boards, at most %d", len(boards), MaxBoards)
	}
	return boards, nil
}

// BoardsJSON renders boards as the BOARDS value (the inverse of ParseBoards), for the local tools
// and tests that configure the functions.
func BoardsJSON(boards []Board) string {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, bd := range boards {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(bd.Name)
		v, _ := json.Marshal(bd.Query)
		b.Write(k)
		b.WriteString(": ")
		b.Write(v)
	}
	b.WriteByte('}')
	return b.String()
}

// Names lists the boards' names, in order.
func Names(boards []Board) []string {
	out := make([]string, len(boards))
	for i, b := range boards {
		out[i] = b.Name
	}
	return out
}
