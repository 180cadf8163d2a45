package leaderboard

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// Named is one board a Handler serves.
type Named struct {
	Name  string // the board's name (config.Board.Name), shown in every answer; the parameter board
	Query string // the X search query that feeds it, listed by GET /boards ("" when not known)
	Board Board  // where its counts are read
}

// boardList is the GET /boards answer, built once: the boards in their configured order.
type boardList struct {
	body string
	etag string
}

// boardsBody is the JSON of GET /boards.
type boardsBody struct {
	Boards []boardInfo `json:"boards"`
}

type boardInfo struct {
	Name  string `json:"name"`
	Query string `json:"query"`
}

// checkBoards validates the boards given to New and indexes them by name.
func checkBoards(boards []Named) (map[string]*Named, error) {
	if len(boards) == 0 {
		return nil, errors.New("leaderboard handler: no board")
	}
	byName := make(map[string]*Named, len(boards))
	for i := range boards {
		b := &boards[i]
		if err := store.CheckName(b.Name); err != nil {
			return nil, fmt.Errorf("leaderboard handler: board %d: %w", i+1, err)
		}
		if b.Board == nil {
			return nil, fmt.Errorf("leaderboard handler: board %q has no store", b.Name)
		}
		if byName[b.Name] != nil {
			return nil, fmt.Errorf("leaderboard handler: board %q given twice", b.Name)
		}
		byName[b.Name] = b
	}
	return byName, nil
}

// newBoardList encodes the GET /boards answer; its strong ETag is over the body, which changes
// only with the configuration.
func newBoardList(boards []Named) (boardList, error) {
	list := boardsBody{Boards: make([]boardInfo, len(boards))}
	for i, b := range boards {
		list.Boards[i] = boardInfo{Name: b.Name, Query: b.Query}
	}
	body, err := json.Marshal(list)
	if err != nil {
		return boardList{}, fmt.Errorf("leaderboard handler: encode the board list: %w", err)
	}
	sum := sha256.Sum256(body)
	return boardList{body: string(body) + "\n", etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`}, nil
}

// boardsResponse answers GET /boards. The list changes only with a deployment, so it is
// revalidated (no-cache) with its ETag rather than kept for a time.
func (h *Handler) boardsResponse(rawQuery, ifNoneMatch string) events.LambdaFunctionURLResponse {
	if strings.Trim(rawQuery, "&") != "" {
		return errorResponse(http.StatusBadRequest, "/boards takes no query parameters")
	}
	headers := map[string]string{
		"Content-Type":            "application/json; charset=utf-8",
		"Cache-Control":           "no-cache",
		"ETag":                    h.list.etag,
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": apiCSP,
		"Referrer-Policy":         "no-referrer",
	}
	if etagMatches(ifNoneMatch, h.list.etag) {
		delete(headers, "Content-Type")
		return events.LambdaFunctionURLResponse{StatusCode: http.StatusNotModified, Headers: headers}
	}
	return events.LambdaFunctionURLResponse{StatusCode: http.StatusOK, Headers: headers, Body: h.list.body}
}

// board returns the board a request names ("" = the default board), or the 404 answer naming
// the known boards.
func (h *Handler) board(name string) (*Named, *events.LambdaFunctionURLResponse) {
	if name == "" {
		return h.def, nil
	}
	if b, ok := h.boards[name]; ok {
		return b, nil
	}
	known := make([]string, len(h.order))
	for i, n := range h.order {
		known[i] = quote(n)
	}
	resp := errorResponse(http.StatusNotFound, "unknown board "+quote(name)+": the boards are "+strings.Join(known, ", "))
	return nil, &resp
}
