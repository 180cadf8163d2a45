package xapitest

import (
	"fmt"
	"strings"
	"unicode"
)

// The stand-in's query language is a subset of X's search operators:
//
//	keyword         tokenized, case-insensitive word match ("go" matches "Go!" and "#go")
//	"exact phrase"  consecutive words
//	#tag            hashtag entity (case-insensitive)
//	@user           mention entity (case-insensitive)
//	is:retweet is:reply is:quote      referenced_tweets type retweeted/replied_to/quoted
//	has:hashtags has:mentions has:links
//	lang:xx
//	-term           negation of any of the above or of a group
//	a b             AND (implicit, binds tighter than OR)
//	a OR b          OR (upper case, as on X)
//	( ... )         grouping
//
// As on X, is:/has:/lang: are conjunction-required: a query (each OR
// branch) needs a positive standalone term (keyword, phrase, #tag, @user).
// Any other operator (from:, url:, place:, ...) is rejected with a 400
// naming the stand-in, so a test never silently gets wrong results.

type node interface {
	match(p *post) bool
	// standalone reports whether the node guarantees a positive standalone
	// term (X's rule for conjunction-required operators).
	standalone() bool
}

type andNode []node
type orNode []node
type notNode struct{ n node }
type wordsNode []string // keyword or phrase: consecutive tokens
type tagNode string
type mentionNode string
type opNode struct{ name, value string }

func (a andNode) match(p *post) bool {
	for _, n := range a {
		if !n.match(p) {
			return false
		}
	}
	return true
}

func (a andNode) standalone() bool {
	for _, n := range a {
		if n.standalone() {
			return true
		}
	}
	return false
}

func (o orNode) match(p *post) bool {
	for _, n := range o {
		if n.match(p) {
			return true
		}
	}
	return false
}

func (o orNode) standalone() bool {
	for _, n := range o {
		if !n.standalone() {
			return false
		}
	}
	return true
}

func (n notNode) match(p *post) bool { return !n.n.match(p) }
func (n notNode) standalone() bool   { return false }

func (w wordsNode) match(p *post) bool {
	if len(w) == 0 {
		return false
	}
	for i := 0; i+len(w) <= len(p.words); i++ {
		ok := true
		for j := range w {
			if p.words[i+j] != w[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
func (w wordsNode) standalone() bool { return true }

func (t tagNode) match(p *post) bool {
	for _, tag := range p.tags {
		if tag == string(t) {
			return true
		}
	}
	return false
}
func (t tagNode) standalone() bool { return true }

func (m mentionNode) match(p *post) bool {
	for _, u := range p.mentions {
		if u == string(m) {
			return true
		}
	}
	return false
}
func (m mentionNode) standalone() bool { return true }

func (o opNode) match(p *post) bool {
	switch o.name + ":" + o.value {
	case "is:retweet":
		return p.hasRef("retweeted")
	case "is:reply":
		return p.hasRef("replied_to")
	case "is:quote":
		return p.hasRef("quoted")
	case "has:hashtags":
		return len(p.tags) > 0
	case "has:mentions":
		return len(p.mentions) > 0
	case "has:links":
		return p.hasLinks
	}
	if o.name == "lang" {
		return strings.EqualFold(p.Lang, o.value)
	}
	return false
}
func (o opNode) standalone() bool { return false }

func (p *post) hasRef(typ string) bool {
	for _, r := range p.ReferencedTweets {
		if r.Type == typ {
			return true
		}
	}
	return false
}

// queryError is a query X would reject (or the stand-in does not model).
type queryError struct{ msg string }

func (e *queryError) Error() string { return e.msg }

type qtoken struct {
	kind string // "(", ")", "-", "OR", "phrase", "term"
	text string
	pos  int // 1-based rune position, as in X's messages
}

func lexQuery(q string) ([]qtoken, error) {
	var toks []qtoken
	rs := []rune(q)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(' || r == ')':
			toks = append(toks, qtoken{kind: string(r), pos: i + 1})
			i++
		case r == '-' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) && (i == 0 || unicode.IsSpace(rs[i-1]) || rs[i-1] == '('):
			toks = append(toks, qtoken{kind: "-", pos: i + 1})
			i++
		case r == '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			if j == len(rs) {
				return nil, &queryError{fmt.Sprintf("There were errors processing your request: Unterminated quote (at position %d)", i+1)}
			}
			toks = append(toks, qtoken{kind: "phrase", text: string(rs[i+1 : j]), pos: i + 1})
			i = j + 1
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && rs[j] != '(' && rs[j] != ')' && rs[j] != '"' {
				j++
			}
			text := string(rs[i:j])
			kind := "term"
			if text == "OR" {
				kind = "OR"
			}
			toks = append(toks, qtoken{kind: kind, text: text, pos: i + 1})
			i = j
		}
	}
	return toks, nil
}

type qparser struct {
	toks []qtoken
	i    int
}

// parseQuery parses q into a matcher, or returns a *queryError.
func parseQuery(q string) (node, error) {
	toks, err := lexQuery(q)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, &queryError{"The `query` query parameter can not be empty"}
	}
	p := &qparser{toks: toks}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		t := p.toks[p.i]
		return nil, &queryError{fmt.Sprintf("There were errors processing your request: Unexpected '%s' (at position %d)", t.kind, t.pos)}
	}
	if !n.standalone() {
		if allNegated(n) {
			return nil, &queryError{"There were errors processing your request: Rules must contain a non-negation term (at position 1)"}
		}
		return nil, &queryError{"There were errors processing your request: Rules must contain at least one positive, standalone operator such as a keyword, #hashtag or @mention (conjunction-required operators like is:, has: and lang: cannot be used alone) (at position 1)"}
	}
	return n, nil
}

func allNegated(n node) bool {
	switch x := n.(type) {
	case notNode:
		return true
	case andNode:
		for _, c := range x {
			if !allNegated(c) {
				return false
			}
		}
		return true
	case orNode:
		for _, c := range x {
			if !allNegated(c) {
				return false
			}
		}
		return true
	}
	return false
}

func (p *qparser) expr() (node, error) {
	var branches orNode
	for {
		a, err := p.and()
		if err != nil {
			return nil, err
		}
		branches = append(branches, a)
		if p.i < len(p.toks) && p.toks[p.i].kind == "OR" {
			p.i++
			continue
		}
		break
	}
	if len(branches) == 1 {
		return branches[0], nil
	}
	return branches, nil
}

func (p *qparser) and() (node, error) {
	var terms andNode
	for p.i < len(p.toks) {
		k := p.toks[p.i].kind
		if k == ")" || k == "OR" {
			break
		}
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		terms = append(terms, n)
	}
	if len(terms) == 0 {
		pos := 1
		if p.i < len(p.toks) {
			pos = p.toks[p.i].pos
		}
		return nil, &queryError{fmt.Sprintf("There were errors processing your request: Missing term before or after OR / parentheses (at position %d)", pos)}
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return terms, nil
}

func (p *qparser) unary() (node, error) {
	if p.toks[p.i].kind == "-" {
		p.i++
		if p.i >= len(p.toks) {
			return nil, &queryError{"There were errors processing your request: Dangling negation"}
		}
		n, err := p.primary()
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	}
	return p.primary()
}

func (p *qparser) primary() (node, error) {
	t := p.toks[p.i]
	switch t.kind {
	case "(":
		p.i++
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.i >= len(p.toks) || p.toks[p.i].kind != ")" {
			return nil, &queryError{fmt.Sprintf("There were errors processing your request: Unbalanced parentheses (at position %d)", t.pos)}
		}
		p.i++
		return n, nil
	case "phrase":
		p.i++
		return wordsNode(tokenize(t.text)), nil
	case "term":
		p.i++
		return termNode(t)
	default:
		return nil, &queryError{fmt.Sprintf("There were errors processing your request: Unexpected '%s' (at position %d)", t.kind, t.pos)}
	}
}

func termNode(t qtoken) (node, error) {
	s := t.text
	switch {
	case (strings.HasPrefix(s, "#") || strings.HasPrefix(s, "＃")) && len([]rune(s)) > 1:
		return tagNode(strings.ToLower(string([]rune(s)[1:]))), nil
	case (strings.HasPrefix(s, "@") || strings.HasPrefix(s, "＠")) && len([]rune(s)) > 1:
		return mentionNode(strings.ToLower(string([]rune(s)[1:]))), nil
	}
	if name, value, ok := strings.Cut(s, ":"); ok && name != "" && isOperatorName(name) {
		switch name {
		case "is":
			if value == "retweet" || value == "reply" || value == "quote" {
				return opNode{name, value}, nil
			}
		case "has":
			if value == "hashtags" || value == "mentions" || value == "links" {
				return opNode{name, value}, nil
			}
		case "lang":
			if value != "" {
				return opNode{name, strings.ToLower(value)}, nil
			}
		}
		return nil, &queryError{fmt.Sprintf("xapitest: operator '%s' (at position %d) is not implemented by the X API stand-in", s, t.pos)}
	}
	words := tokenize(s)
	if len(words) == 0 {
		return nil, &queryError{fmt.Sprintf("There were errors processing your request: '%s' is not a searchable term (at position %d)", s, t.pos)}
	}
	return wordsNode(words), nil
}

func isOperatorName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '_') {
			return false
		}
	}
	return true
}
