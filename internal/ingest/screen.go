package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/hashtag"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// normalized returns base (not modified) with the normalised hashtags of tags; an invalid one
// is an error naming where it came from.
func normalized(from string, tags []string, base map[string]bool) (map[string]bool, error) {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]bool{}
	}
	for _, raw := range tags {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		tag, err := hashtag.Normalize(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %w", from, raw, err)
		}
		out[tag] = true
	}
	return out, nil
}

// pageBounds are the newest and oldest ids of a page the checkpoint may take ("" when none).
type pageBounds struct {
	newest, oldest string
	next           string // the page's next_token
}

// skippedPost is an entry of X's answer that is not recorded, and why.
type skippedPost struct{ id, reason string }

// screen returns the posts of page to record (those whose id X could have sent by now:
// postid.CheckPlausible), the entries it does not record (xapi's skipped ones and the
// implausible ones), and the page's bounds for the checkpoint: the newest and oldest of its
// plausible ids (xapi's bounds, which cover skipped entries too, when plausible).
func screen(page xapi.Page, now time.Time) ([]xapi.Post, []skippedPost, pageBounds) {
	var skipped []skippedPost
	for _, sk := range page.Skipped {
		skipped = append(skipped, skippedPost{sk.ID, sk.Reason})
	}
	kept := make([]xapi.Post, 0, len(page.Posts))
	for _, p := range page.Posts {
		if err := postid.CheckPlausible(p.ID, now); err != nil {
			skipped = append(skipped, skippedPost{p.ID, "implausible id: " + err.Error()})
			continue
		}
		kept = append(kept, p)
	}
	b := pageBounds{next: page.NextToken}
	ids := []string{page.NewestID, page.OldestID}
	for _, sk := range page.Skipped {
		ids = append(ids, sk.ID)
	}
	for _, p := range kept {
		ids = append(ids, p.ID)
	}
	for _, id := range ids {
		if postid.CheckPlausible(id, now) != nil {
			continue
		}
		b.newest, _ = postid.Max(b.newest, id)
		if c, _ := postid.Compare(id, b.oldest); b.oldest == "" || c < 0 {
			b.oldest = id
		}
	}
	return kept, skipped, b
}

// logSkipped warns about the entries of page number n that are not recorded, each with its
// reason (at most maxSkippedLogged of them; ids are cut short: they are untrusted).
func logSkipped(ctx context.Context, log *slog.Logger, n int, skipped []skippedPost) {
	if len(skipped) == 0 {
		return
	}
	list := make([]map[string]string, 0, min(len(skipped), maxSkippedLogged))
	for _, sk := range skipped[:min(len(skipped), maxSkippedLogged)] {
		id := sk.id
		if len(id) > 24 {
			id = strings.ToValidUTF8(id[:24], "") + "..."
		}
		list = append(list, map[string]string{"id": id, "reason": sk.reason})
	}
	log.WarnContext(ctx, "posts skipped", "page", n, "posts_skipped", len(skipped), "skipped", list)
}

// toPosts turns a page into store posts: hashtags from entities, or extracted from the text
// when the API sent no entities; none for possibly-sensitive posts (when configured), none of
// the excluded ones, at most MaxHashtagsPerPost; NoAuthor for an author_id that is missing or
// not an X id (noAuthor counts them). Every post is passed on, so it is marked seen exactly once.
func (h *Handler) toPosts(in []xapi.Post, excluded map[string]bool) (_ []store.Post, noAuthor int) {
	out := make([]store.Post, 0, len(in))
	for _, p := range in {
		author := p.AuthorID
		if !postid.Valid(author) {
			author = NoAuthor
			noAuthor++
		}
		tags := p.Hashtags
		if !p.HasEntities {
			tags = hashtag.Extract(p.Text)
		}
		if p.PossiblySensitive && h.cfg.SkipSensitive {
			tags = nil
		}
		if len(tags) > 0 {
			tags = countable(tags, excluded)
		}
		out = append(out, store.Post{ID: p.ID, CreatedAt: p.CreatedAt, AuthorID: author, Hashtags: tags})
	}
	return out, noAuthor
}

// countable returns the hashtags of a post that count: the first MaxHashtagsPerPost distinct
// ones (by their normalised form) that are not excluded. Tags the hashtag rules reject are
// passed on for the store to reject and count, and take a place too.
func countable(tags []string, excluded map[string]bool) []string {
	kept := make([]string, 0, min(len(tags), MaxHashtagsPerPost))
	seen := make(map[string]bool, cap(kept))
	for _, t := range tags {
		if len(kept) == MaxHashtagsPerPost {
			break
		}
		n, err := hashtag.Normalize(t)
		switch {
		case err != nil:
			kept = append(kept, t)
		case !excluded[n] && !seen[n]:
			seen[n] = true
			kept = append(kept, t)
		}
	}
	return kept
}
