package templatetest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The parent template's Rules stop a deploy to a Region without MemoryDB or Lambda Function
// URLs at CreateChangeSet. CloudFormation evaluates them with the rule functions below; these
// tests evaluate them the same way for each Region.

// ruleValue evaluates a rule-function expression for region: Fn::And, Fn::Or, Fn::Not,
// Fn::Equals, Fn::Contains, Ref AWS::Region, literal strings and lists.
func ruleValue(v any, region string) (any, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	if l, ok := v.([]any); ok {
		out := make([]any, 0, len(l))
		for _, e := range l {
			x, err := ruleValue(e, region)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return nil, fmt.Errorf("rule expression %s: want a string, a list or one function", canon(v))
	}
	if ref, ok := Ref(v); ok {
		if ref != "AWS::Region" {
			return nil, fmt.Errorf("rule expression %s: only Ref AWS::Region is evaluated here", canon(v))
		}
		return region, nil
	}
	for fn, arg := range m {
		args, ok := arg.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: arguments %s are not a list", fn, canon(arg))
		}
		vals, err := ruleValue(args, region)
		if err != nil {
			return nil, err
		}
		vs := vals.([]any)
		bools := func() ([]bool, error) {
			var bs []bool
			for _, x := range vs {
				b, ok := x.(bool)
				if !ok {
					return nil, fmt.Errorf("%s: %s is not a condition", fn, canon(x))
				}
				bs = append(bs, b)
			}
			return bs, nil
		}
		switch fn {
		case "Fn::Not":
			bs, err := bools()
			if err != nil || len(bs) != 1 {
				return nil, fmt.Errorf("Fn::Not %s: want one condition (%v)", canon(arg), err)
			}
			return !bs[0], nil
		case "Fn::And", "Fn::Or":
			bs, err := bools()
			if err != nil || len(bs) < 2 {
				return nil, fmt.Errorf("%s %s: want two or more conditions (%v)", fn, canon(arg), err)
			}
			if fn == "Fn::And" {
				return !slices.Contains(bs, false), nil
			}
			return slices.Contains(bs, true), nil
		case "Fn::Equals":
			if len(vs) != 2 {
				return nil, fmt.Errorf("Fn::Equals %s: want two values", canon(arg))
			}
			return canon(vs[0]) == canon(vs[1]), nil
		case "Fn::Contains":
			list, ok := vs[0].([]any)
			if len(vs) != 2 || !ok {
				return nil, fmt.Errorf("Fn::Contains %s: want a list and a value", canon(arg))
			}
			return slices.Contains(list, vs[1]), nil
		}
		return nil, fmt.Errorf("rule function %s is not evaluated here", fn)
	}
	panic("unreachable")
}

func ruleCondition(v any, region string) (bool, error) {
	x, err := ruleValue(v, region)
	if err != nil {
		return false, err
	}
	b, ok := x.(bool)
	if !ok {
		return false, fmt.Errorf("%s is not a condition", canon(v))
	}
	return b, nil
}

// failedAssertions returns the descriptions of the parent's rule assertions that fail in region,
// as CloudFormation would report them.
func failedAssertions(a *App, region string) ([]string, error) {
	var failed []string
	rules := a.Parent.Section("Rules")
	names := make([]string, 0, len(rules))
	for name := range rules {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		rule := mapAt(rules[name])
		if c, ok := rule["RuleCondition"]; ok {
			applies, err := ruleCondition(c, region)
			if err != nil {
				return nil, fmt.Errorf("rule %s: RuleCondition: %w", name, err)
			}
			if !applies {
				continue
			}
		}
		asserts, _ := rule["Assertions"].([]any)
		if len(asserts) == 0 {
			return nil, fmt.Errorf("rule %s has no Assertions", name)
		}
		for i, as := range asserts {
			ok, err := ruleCondition(mapAt(as)["Assert"], region)
			if err != nil {
				return nil, fmt.Errorf("rule %s assertion %d: %w", name, i, err)
			}
			if !ok {
				d, _ := mapAt(as)["AssertDescription"].(string)
				failed = append(failed, fmt.Sprintf("%s: %s", name, d))
			}
		}
	}
	return failed, nil
}

// regionLists returns the Regions the SupportedRegion rule accepts and the ones its
// RuleCondition leaves to the rules of their own.
func regionLists(a *App) (supported, named []string, err error) {
	rule := mapAt(a.Parent.Section("Rules")["SupportedRegion"])
	if rule == nil {
		return nil, nil, fmt.Errorf("template.yaml: no rule SupportedRegion")
	}
	strs := func(v any) []string {
		l, _ := v.([]any)
		var out []string
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	asserts, _ := rule["Assertions"].([]any)
	if len(asserts) != 1 {
		return nil, nil, fmt.Errorf("template.yaml: SupportedRegion: want one assertion")
	}
	c, _ := mapAt(asserts[0], "Assert")["Fn::Contains"].([]any)
	if len(c) == 2 {
		supported = strs(c[0])
	}
	not, _ := mapAt(rule, "RuleCondition")["Fn::Not"].([]any)
	if len(not) == 1 {
		if c, _ := mapAt(not[0])["Fn::Contains"].([]any); len(c) == 2 {
			named = strs(c[0])
		}
	}
	if len(supported) == 0 || len(named) == 0 {
		return nil, nil, fmt.Errorf("template.yaml: SupportedRegion: want RuleCondition !Not [!Contains [[Regions with rules of their own], !Ref AWS::Region]] and Assert !Contains [[supported Regions], !Ref AWS::Region]")
	}
	return supported, named, nil
}

func supportedRegions(a *App) ([]string, error) {
	s, _, err := regionLists(a)
	return s, err
}

// checkRegionRules: every supported Region passes every rule; every Region with a rule of its
// own fails exactly one assertion, whose message names it; any other Region (China's
// cn-north-1, one opened later) fails the SupportedRegion assertion, which lists the supported
// Regions.
func checkRegionRules(a *App) []string {
	supported, named, err := regionLists(a)
	if err != nil {
		return []string{err.Error()}
	}
	var probs []string
	for _, r := range supported {
		if slices.Contains(named, r) {
			probs = append(probs, fmt.Sprintf("template.yaml: %s is both supported and excluded", r))
		}
		failed, err := failedAssertions(a, r)
		if err != nil {
			return append(probs, err.Error())
		}
		if len(failed) > 0 {
			probs = append(probs, fmt.Sprintf("template.yaml: supported Region %s fails %q", r, failed))
		}
	}
	for _, r := range named {
		failed, err := failedAssertions(a, r)
		if err != nil {
			return append(probs, err.Error())
		}
		if len(failed) != 1 || !strings.Contains(failed[0], r+" has ") {
			probs = append(probs, fmt.Sprintf("template.yaml: in %s, want one failed assertion naming it, got %q", r, failed))
		}
	}
	for _, r := range []string{"cn-north-1", "us-isob-east-1", "xx-later-1"} {
		failed, err := failedAssertions(a, r)
		if err != nil {
			return append(probs, err.Error())
		}
		if len(failed) != 1 || !strings.HasPrefix(failed[0], "SupportedRegion: ") || !strings.Contains(failed[0], strings.Join(supported, ", ")) {
			probs = append(probs, fmt.Sprintf("template.yaml: in %s, want SupportedRegion's assertion listing the supported Regions, got %q", r, failed))
		}
	}
	return probs
}

func TestRegionRules(t *testing.T) {
	a := loadApp(t)
	for _, p := range checkRegionRules(a) {
		t.Error(p)
	}
	// The check notices a Region left without its rule, and a supported Region ruled out.
	delete(a.Parent.Section("Rules"), "RegionAfSouth1")
	if probs := checkRegionRules(a); len(probs) != 1 || !strings.Contains(probs[0], "in af-south-1, want one failed assertion naming it") {
		t.Errorf("without RegionAfSouth1: got %q", probs)
	}
	a = loadApp(t)
	a.Parent.Section("Rules")["RegionUsEast1"] = map[string]any{"Assertions": []any{map[string]any{
		"Assert":            map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "AWS::Region"}, "us-east-1"}}}},
		"AssertDescription": "us-east-1 has nothing"}}}
	if probs := checkRegionRules(a); len(probs) != 1 || !strings.Contains(probs[0], "supported Region us-east-1 fails") {
		t.Errorf("with a rule against us-east-1: got %q", probs)
	}
}

func TestRuleValue(t *testing.T) {
	region := map[string]any{"Ref": "AWS::Region"}
	tests := []struct {
		expr    any
		want    bool
		wantErr string
	}{
		{map[string]any{"Fn::Equals": []any{region, "eu-west-1"}}, true, ""},
		{map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{region, "eu-west-1"}}}}, false, ""},
		{map[string]any{"Fn::Contains": []any{[]any{"a", "eu-west-1"}, region}}, true, ""},
		{map[string]any{"Fn::Contains": []any{[]any{"a", "b"}, region}}, false, ""},
		{map[string]any{"Fn::Or": []any{map[string]any{"Fn::Equals": []any{"x", "y"}}, map[string]any{"Fn::Equals": []any{region, "eu-west-1"}}}}, true, ""},
		{map[string]any{"Fn::And": []any{map[string]any{"Fn::Equals": []any{"x", "y"}}, map[string]any{"Fn::Equals": []any{region, "eu-west-1"}}}}, false, ""},
		{map[string]any{"Fn::ValueOf": []any{"P", "Attr"}}, false, "not evaluated here"},
		{map[string]any{"Ref": "InstanceType"}, false, "only Ref AWS::Region"},
		{map[string]any{"Fn::Not": []any{"x"}}, false, "want one condition"},
	}
	for _, tc := range tests {
		got, err := ruleCondition(tc.expr, "eu-west-1")
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want %q", canon(tc.expr), err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s = %v, %v; want %v", canon(tc.expr), got, err, tc.want)
		}
	}
}

// Each Region with a rule of its own lacks a resource type the templates use, by cfn-lint's
// schemas (E3006); the supported ones lack none (TestCfnLint lints for them).
func TestExcludedRegionsLackATypeInCfnLint(t *testing.T) {
	t.Parallel()
	bin := cfnLint(t)
	root := repoRoot(t)
	_, named, err := regionLists(loadApp(t))
	if err != nil {
		t.Fatal(err)
	}
	findings, err := runCfnLint(t, bin, root, append([]string{"--regions"}, named...), templateFiles(t, root)...)
	if err != nil {
		t.Fatal(err)
	}
	lacking := map[string][]string{}
	for _, f := range findings {
		if f.Rule.Id != "E3006" {
			continue
		}
		for _, r := range named {
			if strings.HasSuffix(f.Message, "'"+r+"'") {
				lacking[r] = append(lacking[r], f.Message)
			}
		}
	}
	for _, r := range named {
		if len(lacking[r]) == 0 {
			t.Errorf("%s has a rule of its own in template.yaml, but cfn-lint finds every resource type there", r)
		}
	}
}

// docs/DEPLOY.md lists the supported Regions, the ones the template's Rules accept.
func TestReadmeListsRegions(t *testing.T) {
	a := loadApp(t)
	supported, named, err := regionLists(a)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "DEPLOY.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, found := strings.Cut(string(readme), "\n### Regions\n")
	if !found {
		t.Fatal("docs/DEPLOY.md: no ### Regions section")
	}
	section, _, _ = strings.Cut(section, "\n#")
	listed, _, _ := strings.Cut(section, "\n\n")
	for _, r := range supported {
		if !strings.Contains(listed, "`"+r+"`") {
			t.Errorf("docs/DEPLOY.md, Regions: the first paragraph does not list supported Region `%s`", r)
		}
	}
	for _, r := range named {
		if strings.Contains(listed, "`"+r+"`") {
			t.Errorf("docs/DEPLOY.md, Regions: the first paragraph lists `%s`, which the template rules out", r)
		}
		if !strings.Contains(section, "`"+r+"`") {
			t.Errorf("docs/DEPLOY.md, Regions: does not say why `%s` is ruled out", r)
		}
	}
}
