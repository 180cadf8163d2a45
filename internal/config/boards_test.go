package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestBoards(t *testing.T) {
	const ep = "h:1"
	tests := []struct {
		name string
		env  []string
		want []Board
	}{
		{"one-board form, defaults", []string{"SEARCH_QUERY", "#aws"}, []Board{{"hashtags", "#aws"}}},
		{"one-board form, named", []string{"LEADERBOARD", "golang", "SEARCH_QUERY", "#golang lang:en"}, []Board{{"golang", "#golang lang:en"}}},
		{"BOARDS keeps its order", []string{"BOARDS", `{"zz": "#z", "aws": "#aws -is:retweet", "m.x-1_": " lang:ja "}`},
			[]Board{{"zz", "#z"}, {"aws", "#aws -is:retweet"}, {"m.x-1_", "lang:ja"}}},
		{"BOARDS with escapes", []string{"BOARDS", `{"a": "\u0023go \"x\""}`}, []Board{{"a", `#go "x"`}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadIngest(env(append([]string{"MEMORYDB_ENDPOINT", ep}, tc.env...)...))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Boards, tc.want) {
				t.Errorf("boards %+v, want %+v", c.Boards, tc.want)
			}
			if c.Leaderboard != tc.want[0].Name {
				t.Errorf("default board %q, want the first", c.Leaderboard)
			}
			l, err := LoadLeaderboard(env(append([]string{"MEMORYDB_ENDPOINT", ep}, tc.env...)...))
			if err != nil || !reflect.DeepEqual(l.Boards, tc.want) || l.Leaderboard != tc.want[0].Name {
				t.Errorf("leaderboard config %+v, %v", l, err)
			}
			if got, err := ParseBoards(BoardsJSON(tc.want)); err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("BoardsJSON round trip: %+v, %v", got, err)
			}
		})
	}
	// The leaderboard function needs no query in the one-board form.
	if l, err := LoadLeaderboard(env("MEMORYDB_ENDPOINT", ep)); err != nil || !reflect.DeepEqual(l.Boards, []Board{{"hashtags", ""}}) {
		t.Errorf("leaderboard without a query: %+v, %v", l, err)
	}
}

func TestBoardsErrors(t *testing.T) {
	many := "{"
	for i := range MaxBoards + 1 {
		if i > 0 {
			many += ","
		}
		many += `"b` + strings.Repeat("x", i) + `": "q"`
	}
	many += "}"
	tests := []struct {
		name string
		env  []string
		want []string // every one must be in the error
	}{
		{"both forms", []string{"BOARDS", `{"a": "q"}`, "LEADERBOARD", "x", "SEARCH_QUERY", "q"}, []string{"BOARDS", "LEADERBOARD", "SEARCH_QUERY"}},
		{"both forms, query only", []string{"BOARDS", `{"a": "q"}`, "SEARCH_QUERY", "q"}, []string{"BOARDS", "SEARCH_QUERY"}},
		{"not JSON", []string{"BOARDS", `aws=#aws`}, []string{"BOARDS", "JSON object"}},
		{"array", []string{"BOARDS", `["aws"]`}, []string{"BOARDS", "JSON object"}},
		{"empty object", []string{"BOARDS", `{}`}, []string{"BOARDS", "no board"}},
		{"bad name", []string{"BOARDS", `{"a b": "q"}`}, []string{"BOARDS", `"a b"`}},
		{"name with a brace", []string{"BOARDS", `{"a}": "q"}`}, []string{"BOARDS", `"a}"`}},
		{"duplicate", []string{"BOARDS", `{"a": "q", "a": "r"}`}, []string{"BOARDS", `"a"`, "twice"}},
		{"query not a string", []string{"BOARDS", `{"a": 1}`}, []string{"BOARDS", `"a"`, "query"}},
		{"empty query", []string{"BOARDS", `{"a": " "}`}, []string{"BOARDS", `"a"`, "query"}},
		{"trailing value", []string{"BOARDS", `{"a": "q"} {}`}, []string{"BOARDS", "more than one"}},
		{"truncated", []string{"BOARDS", `{"a": "q"`}, []string{"BOARDS"}},
		{"too many", []string{"BOARDS", many}, []string{"BOARDS", "at most 25"}},
		{"bad LEADERBOARD", []string{"LEADERBOARD", "{x}", "SEARCH_QUERY", "q"}, []string{"LEADERBOARD"}},
		{"no query", []string{"LEADERBOARD", "x"}, []string{"SEARCH_QUERY", "BOARDS"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadIngest(env(append([]string{"MEMORYDB_ENDPOINT", "h:1"}, tc.env...)...))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
		})
	}
}

// TestBoardNames: BOARD_NAMES, the boards the stack's MemoryDB users may reach, must name the
// boards exactly (in any order), or neither function starts.
func TestBoardNames(t *testing.T) {
	two := `{"aws": "#aws", "golang": "#golang"}`
	tests := []struct {
		name, boards, names string
		ok                  bool
	}{
		{"unset", two, "", true},
		{"same order", two, "aws,golang", true},
		{"other order, spaces", two, " golang , aws ", true},
		{"a board the users cannot reach", two, "aws", false},
		{"a board nobody serves", two, "aws,golang,rust", false},
		{"another board", two, "aws,rust", false},
		{"one-board form", "", "hashtags", true},
		{"one-board form, other name", "", "aws", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vars := []string{"MEMORYDB_ENDPOINT", "h:1", "BOARD_NAMES", tc.names}
			if tc.boards != "" {
				vars = append(vars, "BOARDS", tc.boards)
			} else {
				vars = append(vars, "SEARCH_QUERY", "#aws")
			}
			_, ierr := LoadIngest(env(vars...))
			_, lerr := LoadLeaderboard(env(vars...))
			for fn, err := range map[string]error{"ingest": ierr, "leaderboard": lerr} {
				if tc.ok && err != nil {
					t.Errorf("%s: %v", fn, err)
				}
				if !tc.ok && (err == nil || !strings.Contains(err.Error(), "BOARD_NAMES") || !strings.Contains(err.Error(), "BoardNames")) {
					t.Errorf("%s: error %v, want one naming BOARD_NAMES and the stack parameter BoardNames", fn, err)
				}
			}
		})
	}
	if b, err := LoadBoards(env("BOARDS", two)); err != nil || !reflect.DeepEqual(Names(b), []string{"aws", "golang"}) {
		t.Errorf("LoadBoards: %+v, %v", b, err)
	}
}
