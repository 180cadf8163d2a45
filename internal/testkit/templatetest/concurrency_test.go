package templatetest

import (
	"fmt"
	"sort"
)

// reservations are the functions whose concurrency may be reserved, each by a parent parameter
// passed to its nested stack as ReservedConcurrency, and the largest value each allows.
var reservations = []struct {
	fn     fnSpec
	parent string
	max    int
}{
	{functions[0], "IngestReservedConcurrency", 1},
	{functions[1], "LeaderboardReservedConcurrency", 1000},
}

// checkReservations: a stack with the defaults reserves no concurrency, so it deploys on a new
// account (its quota is 10 and Lambda keeps 100 unreserved, so no reservation can be made there);
// each function's reservation is a parent parameter, default 0, which the nested stack passes
// to ReservedConcurrentExecutions only when it is not 0 (a condition on the parameter).
func checkReservations(a *App) []string {
	var probs []string
	for _, r := range reservations {
		t, p, err := a.function(r.fn)
		if err != nil {
			probs = append(probs, err.Error())
			continue
		}
		where := fmt.Sprintf("%s: %s", a.rel(t), r.fn.id)
		pp := a.Parent.Parameter(r.parent)
		if pp == nil {
			probs = append(probs, "template.yaml: no parameter "+r.parent)
			continue
		}
		if n, ok := asInt(pp["Default"]); !ok || n != 0 {
			probs = append(probs, fmt.Sprintf("template.yaml: %s Default %v, want 0 (no reservation: a new account has none to give)", r.parent, pp["Default"]))
		}
		if n, ok := asInt(pp["MinValue"]); !ok || n != 0 {
			probs = append(probs, fmt.Sprintf("template.yaml: %s MinValue %v, want 0", r.parent, pp["MinValue"]))
		}
		if n, ok := asInt(pp["MaxValue"]); !ok || n != r.max {
			probs = append(probs, fmt.Sprintf("template.yaml: %s MaxValue %v, want %d", r.parent, pp["MaxValue"], r.max))
		}
		if v, _ := a.passed(r.fn.app, "ReservedConcurrency"); canon(v) != canon(map[string]any{"Ref": r.parent}) {
			probs = append(probs, fmt.Sprintf("template.yaml: %s.ReservedConcurrency = %s, want !Ref %s", r.fn.app, canon(v), r.parent))
		}
		ifs, _ := mapAt(p)["ReservedConcurrentExecutions"].(map[string]any)
		args, _ := ifs["Fn::If"].([]any)
		if len(args) != 3 || canon(args[1]) != canon(map[string]any{"Ref": "ReservedConcurrency"}) ||
			canon(args[2]) != canon(map[string]any{"Ref": "AWS::NoValue"}) {
			probs = append(probs, fmt.Sprintf("%s: ReservedConcurrentExecutions = %s, want !If [<condition>, !Ref ReservedConcurrency, !Ref AWS::NoValue]",
				where, canon(p["ReservedConcurrentExecutions"])))
			continue
		}
		cond, _ := args[0].(string)
		want := map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "ReservedConcurrency"}, 0}}}}
		if got := mapAt(t.Section("Conditions"))[cond]; canon(got) != canon(want) {
			probs = append(probs, fmt.Sprintf("%s: condition %q = %s, want !Not [!Equals [!Ref ReservedConcurrency, 0]]", a.rel(t), cond, canon(got)))
		}
	}
	sort.Strings(probs)
	return probs
}
