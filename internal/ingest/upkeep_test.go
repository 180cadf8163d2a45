package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// upkeepEvent is the event the upkeep schedule sends, as committed in events/upkeep.json.
func upkeepEvent(t *testing.T) events.EventBridgeEvent {
	t.Helper()
	b, err := os.ReadFile("../../events/upkeep.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestUpkeepEventReadsNothing: the upkeep-only event runs every board's upkeep once and nothing
// else (no X request, no record, no checkpoint); a board whose upkeep fails is named in the
// error and does not stop the others.
func TestUpkeepEventReadsNothing(t *testing.T) {
	src := &funcSource{fetch: func(context.Context, int) (xapi.Page, error) {
		t.Error("the upkeep event read from X")
		return xapi.Page{}, nil
	}}
	ok, broken := &memBoard{}, &memBoard{upkeepErr: func(int) error { return errors.New("noscript") }}
	h, err := ingest.New([]ingest.Feed{{Name: "a", Source: src, Board: broken}, {Name: "b", Source: src, Board: ok}}, nil, ingest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ev := upkeepEvent(t)
	if !ingest.IsUpkeep(ev) {
		t.Fatalf("events/upkeep.json is not the upkeep event: %+v", ev)
	}
	_, err = h.Handle(context.Background(), ev)
	if err == nil || !strings.Contains(err.Error(), "board a: window upkeep: noscript") {
		t.Errorf("err %v, want board a's upkeep failure", err)
	}
	for name, b := range map[string]*memBoard{"a": broken, "b": ok} {
		if !slices.Equal(b.calls, []string{"upkeep"}) {
			t.Errorf("board %s calls %v, want one upkeep", name, b.calls)
		}
	}
	// A scheduled ingest event is not the upkeep event.
	ev.DetailType, ev.Source = "Scheduled Event", "aws.events"
	if ingest.IsUpkeep(ev) {
		t.Error("a Scheduled Event counts as the upkeep event")
	}
}

// TestUpkeepScheduleInTemplate: nested/ingest.yaml invokes the function on store.UpkeepSchedule
// with the upkeep event as its input.
func TestUpkeepScheduleInTemplate(t *testing.T) {
	b, err := os.ReadFile("../../nested/ingest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ {8}Upkeep:\n {10}Type: Schedule\n {10}Properties:\n((?: {12}.*\n)+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("nested/ingest.yaml: no Upkeep schedule event on the ingest function")
	}
	props := string(m[1])
	if !strings.Contains(props, "Schedule: "+store.UpkeepSchedule+"\n") {
		t.Errorf("Upkeep schedule is not %s:\n%s", store.UpkeepSchedule, props)
	}
	in := regexp.MustCompile(`Input: '(.*)'`).FindStringSubmatch(props)
	if in == nil {
		t.Fatalf("Upkeep schedule has no Input:\n%s", props)
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal([]byte(in[1]), &ev); err != nil || !ingest.IsUpkeep(ev) {
		t.Errorf("Upkeep input %s is not the upkeep event (%v)", in[1], err)
	}
}
