package templatetest

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// nameLimit is AWS's rule for one kind of name: the longest it may be and, where the service
// restricts them, its characters.
type nameLimit struct {
	typ, path string // resource type; property path below Properties, "*" matching any key
	max       int
	valid     func(string) error // nil: any characters
}

// MemoryDB names (clusters, users, ACLs, subnet groups, snapshots): lower-case letters, digits
// and hyphens, a letter first, no hyphen last and no two in a row (MemoryDB API reference;
// cfn-lint's schemas give the pattern, not the lengths).
func memoryDBName(s string) error {
	if !regexp.MustCompile(`^[a-z][a-z0-9-]*$`).MatchString(s) || strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
		return fmt.Errorf("%q: MemoryDB wants lower-case letters, digits and single hyphens, a letter first, no hyphen last", s)
	}
	return nil
}

func pattern(re string) func(string) error {
	r := regexp.MustCompile(re)
	return func(s string) error {
		if !r.MatchString(s) {
			return fmt.Errorf("%q does not match %s", s, re)
		}
		return nil
	}
}

// nameLimits: the lengths are the services' own limits (MemoryDB: cluster, user and ACL names
// 40, subnet group and snapshot names 255; Lambda function names 64; EventBridge rule names 64;
// log group names 512; alarm names 255; queue names 80; secret names 512; IAM role names 64;
// security group names 255, tag values 256), also in cfn-lint's resource schemas where they
// give one.
var nameLimits = []nameLimit{
	{"AWS::MemoryDB::Cluster", "ClusterName", 40, memoryDBName},
	{"AWS::MemoryDB::Cluster", "FinalSnapshotName", 255, memoryDBName},
	{"AWS::MemoryDB::User", "UserName", 40, memoryDBName},
	{"AWS::MemoryDB::ACL", "ACLName", 40, memoryDBName},
	{"AWS::MemoryDB::SubnetGroup", "SubnetGroupName", 255, memoryDBName},
	{"AWS::Serverless::Function", "FunctionName", 64, pattern(`^[a-zA-Z0-9_-]+$`)},
	{"AWS::Lambda::Function", "FunctionName", 64, pattern(`^[a-zA-Z0-9_-]+$`)},
	// A Schedule event becomes an AWS::Events::Rule of this name.
	{"AWS::Serverless::Function", "Events/*/Properties/Name", 64, pattern(`^[.\-_A-Za-z0-9]+$`)},
	{"AWS::Events::Rule", "Name", 64, pattern(`^[.\-_A-Za-z0-9]+$`)},
	{"AWS::Logs::LogGroup", "LogGroupName", 512, pattern(`^[.\-_/#A-Za-z0-9]+$`)},
	{"AWS::CloudWatch::Alarm", "AlarmName", 255, nil},
	{"AWS::SQS::Queue", "QueueName", 80, pattern(`^[A-Za-z0-9_-]+$`)},
	{"AWS::SecretsManager::Secret", "Name", 512, nil},
	{"AWS::IAM::Role", "RoleName", 64, pattern(`^[\w+=,.@-]+$`)},
	{"AWS::EC2::SecurityGroup", "GroupName", 255, nil},
	{"*", "Tags/*/Value", 256, nil},
}

func (l nameLimit) matches(typ, path string) bool {
	if l.typ != "*" && l.typ != typ {
		return false
	}
	want, got := strings.Split(l.path, "/"), strings.Split(path, "/")
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if want[i] != "*" && want[i] != got[i] {
			return false
		}
	}
	return true
}

// pseudoValues are the longest values of the pseudo parameters a name could use: a stack id
// with a 128-character stack name and its UUID, the longest supported Region's name.
var pseudoValues = map[string]string{
	"AWS::AccountId": "123456789012",
	"AWS::Partition": "aws",
	"AWS::Region":    "ap-southeast-1",
	"AWS::StackName": strings.Repeat("s", 128),
	"AWS::StackId":   "arn:aws:cloudformation:ap-southeast-1:123456789012:stack/" + strings.Repeat("s", 128) + "/1c2fa620-982a-11e3-aff7-50e2416294e0",
	"AWS::URLSuffix": "amazonaws.com",
}

// evalName evaluates a string-valued expression with the parameter values given: literals, Ref,
// Fn::Sub (both forms), Fn::Join, Fn::Select, Fn::Split, and Fn::If, whose branches are both
// possible (a branch of !Ref AWS::NoValue adds none). It returns every value the expression can
// take.
func evalName(v any, values map[string]string) ([]string, error) {
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case int:
		return []string{strconv.Itoa(x)}, nil
	}
	if name, ok := Ref(v); ok {
		if name == "AWS::NoValue" {
			return nil, nil
		}
		if s, ok := values[name]; ok {
			return []string{s}, nil
		}
		if s, ok := pseudoValues[name]; ok {
			return []string{s}, nil
		}
		return nil, fmt.Errorf("no value for !Ref %s", name)
	}
	one := func(e any) (string, error) {
		vs, err := evalName(e, values)
		if err != nil {
			return "", err
		}
		if len(vs) != 1 {
			return "", fmt.Errorf("%s has %d values, want one", canon(e), len(vs))
		}
		return vs[0], nil
	}
	if tmpl, vars, ok := Sub(v); ok {
		all := map[string]string{}
		for k, s := range pseudoValues {
			all[k] = s
		}
		for k, s := range values {
			all[k] = s
		}
		for k, e := range vars {
			s, err := one(e)
			if err != nil {
				return nil, fmt.Errorf("!Sub variable %s: %w", k, err)
			}
			all[k] = s
		}
		s, err := RenderSub(tmpl, all)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	m, _ := v.(map[string]any)
	args, _ := func() ([]any, bool) {
		for _, a := range m {
			l, ok := a.([]any)
			return l, ok
		}
		return nil, false
	}()
	switch {
	case m["Fn::If"] != nil && len(args) == 3:
		var out []string
		for _, branch := range args[1:] {
			vs, err := evalName(branch, values)
			if err != nil {
				return nil, err
			}
			out = append(out, vs...)
		}
		return out, nil
	case m["Fn::Join"] != nil && len(args) == 2:
		sep, _ := args[0].(string)
		list, ok := args[1].([]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Join of %s: want a literal list", canon(args[1]))
		}
		var parts []string
		for _, e := range list {
			s, err := one(e)
			if err != nil {
				return nil, err
			}
			parts = append(parts, s)
		}
		return []string{strings.Join(parts, sep)}, nil
	case m["Fn::Select"] != nil && len(args) == 2:
		i, ok := asInt(args[0])
		split, _ := mapAt(args[1])["Fn::Split"].([]any)
		if !ok || len(split) != 2 {
			return nil, fmt.Errorf("Fn::Select %s: want an index into !Split", canon(args))
		}
		sep, _ := split[0].(string)
		s, err := one(split[1])
		if err != nil {
			return nil, err
		}
		parts := strings.Split(s, sep)
		if i < 0 || i >= len(parts) {
			return nil, fmt.Errorf("Fn::Select index %d of %d parts", i, len(parts))
		}
		return []string{parts[i]}, nil
	}
	return nil, fmt.Errorf("cannot evaluate %s as a name", canon(v))
}

// derivedFrom: v is computed from one of the named parameters (a Ref to it, or a Sub using it).
func derivedFrom(v any, params map[string]bool) bool {
	found := false
	Walk("", v, func(_ string, x any) {
		if name, ok := Ref(x); ok && params[name] {
			found = true
		}
		if tmpl, _, ok := Sub(x); ok {
			for _, name := range SubVariables(tmpl) {
				found = found || params[name]
			}
		}
	})
	return found
}

// derivedName is one name a template computes, rendered.
type derivedName struct {
	where, value string
	limit        nameLimit
}

// longestAppNames returns AppName values of the greatest length the parameter allows (its
// MaxLength), in the shapes its AllowedPattern accepts: all letters, and hyphen-separated.
func longestAppNames(a *App) ([]string, error) {
	p := a.Parent.Parameter("AppName")
	max, ok := asInt(p["MaxLength"])
	if !ok {
		return nil, fmt.Errorf("template.yaml: AppName has no MaxLength, so no name derived from it is bounded")
	}
	pat, _ := p["AllowedPattern"].(string)
	re, err := regexp.Compile(pat)
	if err != nil || pat == "" {
		return nil, fmt.Errorf("template.yaml: AppName AllowedPattern %q: %v", pat, err)
	}
	hyphens := "a" + strings.Repeat("-b", (max-1)/2)
	hyphens += strings.Repeat("c", max-len(hyphens)) // a-b-b-...-b or a-b-...-bc
	var names []string
	for _, c := range []string{strings.Repeat("a", max), hyphens, strings.Repeat("z9", max)[:max]} {
		if len(c) == max && re.MatchString(c) {
			names = append(names, c)
		}
	}
	if len(names) == 0 || names[0] != strings.Repeat("a", max) {
		return nil, fmt.Errorf("template.yaml: AppName pattern %s accepts no name of MaxLength %d letters", pat, max)
	}
	return names, nil
}

// checkNames: with every longest AppName, every name the templates derive from it (and from
// the stack id) is within its AWS limit and of the characters the service accepts; a derived
// name of a kind without a known limit is a problem too, so none goes unchecked.
func checkNames(a *App) ([]derivedName, []string) {
	appNames, err := longestAppNames(a)
	if err != nil {
		return nil, []string{err.Error()}
	}
	var names []derivedName
	var probs []string
	for _, appName := range appNames {
		parentValues := map[string]string{"AppName": appName}
		for _, t := range a.Templates() {
			values, sources := parentValues, map[string]bool{"AppName": true, "AWS::StackId": true, "AWS::StackName": true}
			if t != a.Parent {
				// A nested template sees what the parent passes it.
				values = map[string]string{}
				sources = map[string]bool{"AWS::StackId": true, "AWS::StackName": true}
				for app, nt := range a.Nested {
					if nt != t {
						continue
					}
					for param := range t.Section("Parameters") {
						passed, _ := a.passed(app, param)
						if derivedFrom(passed, map[string]bool{"AppName": true}) {
							vs, err := evalName(passed, parentValues)
							if err != nil || len(vs) != 1 {
								probs = append(probs, fmt.Sprintf("template.yaml: %s.%s: %v", app, param, err))
								continue
							}
							values[param], sources[param] = vs[0], true
						}
					}
				}
			}
			ids := make([]string, 0)
			for id := range t.Section("Resources") {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			for _, id := range ids {
				r := t.Resources()[id]
				Walk("", r.Properties, func(path string, v any) {
					path = strings.TrimPrefix(path, "/")
					key := path[strings.LastIndex(path, "/")+1:]
					isTagValue := strings.HasPrefix(path, "Tags/") && key == "Value"
					if !(strings.HasSuffix(key, "Name") || isTagValue) || !derivedFrom(v, sources) {
						return
					}
					if _, ok := v.([]any); ok {
						return // a list of names: its members are walked on their own
					}
					if strings.HasPrefix(path, "Parameters/") && (r.Type == "AWS::Serverless::Application" || r.Type == "AWS::CloudFormation::Stack") {
						return // a nested stack's parameter: the names made of it are checked there
					}
					where := fmt.Sprintf("%s: %s.%s", a.rel(t), id, path)
					var limit *nameLimit
					for i := range nameLimits {
						if nameLimits[i].matches(r.Type, path) {
							limit = &nameLimits[i]
							break
						}
					}
					if limit == nil {
						probs = append(probs, fmt.Sprintf("%s (%s) is derived from the AppName or the stack, but no limit is known for it: add its AWS limit to nameLimits", where, r.Type))
						return
					}
					vs, err := evalName(v, values)
					if err != nil {
						probs = append(probs, fmt.Sprintf("%s: %v", where, err))
						return
					}
					for _, s := range vs {
						names = append(names, derivedName{where: where, value: s, limit: *limit})
						if len(s) > limit.max {
							probs = append(probs, fmt.Sprintf("%s = %q: %d characters with AppName %q, over the limit of %d", where, s, len(s), appName, limit.max))
						}
						if limit.valid != nil {
							if err := limit.valid(s); err != nil {
								probs = append(probs, fmt.Sprintf("%s: %v", where, err))
							}
						}
					}
				})
			}
		}
	}
	return names, probs
}

func TestNamesWithinLimits(t *testing.T) {
	a := loadApp(t)
	names, probs := checkNames(a)
	for _, p := range probs {
		t.Error(p)
	}
	seen := map[string]bool{}
	kinds := map[string]bool{}
	for _, n := range names {
		kinds[n.limit.typ+" "+n.limit.path] = true
		if !seen[n.where] {
			seen[n.where] = true
			t.Logf("%s: %d of %d characters (%s)", n.where, len(n.value), n.limit.max, n.value)
		}
	}
	// The names the issue lists are all among the ones checked.
	for _, want := range []string{"AWS::MemoryDB::Cluster ClusterName", "AWS::MemoryDB::Cluster FinalSnapshotName",
		"AWS::MemoryDB::User UserName", "AWS::MemoryDB::ACL ACLName", "AWS::MemoryDB::SubnetGroup SubnetGroupName",
		"AWS::Serverless::Function FunctionName", "AWS::Serverless::Function Events/*/Properties/Name",
		"AWS::Logs::LogGroup LogGroupName"} {
		if !kinds[want] {
			t.Errorf("no name of kind %s was checked", want)
		}
	}
	// Alarms, the queue and the functions' roles are not named by the templates: CloudFormation
	// names them from the stack name, within their limits.
	for _, tpl := range a.Templates() {
		for id, r := range tpl.Resources() {
			for _, l := range nameLimits {
				if l.typ == r.Type && !strings.Contains(l.path, "/") && r.Properties[l.path] == nil {
					t.Logf("%s: %s.%s: named by CloudFormation", a.rel(tpl), id, l.path)
				}
			}
		}
	}
}

func TestNamesCatchBrokenTemplates(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(a *App)
		want   string
	}{
		{"longer AppName", func(a *App) { a.Parent.Parameter("AppName")["MaxLength"] = 40 }, "over the limit of 40"},
		{"no MaxLength", func(a *App) { delete(a.Parent.Parameter("AppName"), "MaxLength") }, "AppName has no MaxLength"},
		{"upper-case ACL name", func(a *App) {
			props(a, "NetworkStack", "ACL")["ACLName"] = map[string]any{"Fn::Sub": "${AppName}-ACL"}
		}, "MemoryDB wants lower-case"},
		{"double hyphen", func(a *App) {
			props(a, "NetworkStack", "SubnetGroup")["SubnetGroupName"] = map[string]any{"Fn::Sub": "${AppName}--subnets"}
		}, "MemoryDB wants lower-case letters, digits and single hyphens"},
		{"long function name", func(a *App) {
			props(a, "LeaderboardStack", "LeaderboardFunction")["FunctionName"] = map[string]any{"Fn::Sub": "${AppName}-leaderboard-served-through-a-function-url"}
		}, "over the limit of 64"},
		{"schedule rule name", func(a *App) {
			mapAt(props(a, "IngestStack", "IngestFunction"), "Events", "Schedule", "Properties")["Name"] =
				map[string]any{"Fn::Sub": "${AppName}-ingest-schedule-every-fifteen-minutes-by-default"}
		}, "Events/Schedule/Properties/Name"},
		{"a name of an unknown kind", func(a *App) {
			a.Nested["IngestStack"].Section("Resources")["Topic"] = map[string]any{"Type": "AWS::SNS::Topic",
				"Properties": map[string]any{"TopicName": map[string]any{"Fn::Sub": "${AppName}-alarms"}}}
		}, "no limit is known"},
		{"snapshot name too long", func(a *App) {
			snap := mapAt(props(a, "NetworkStack", "Cluster")["FinalSnapshotName"])["Fn::If"].([]any)
			snap[1] = map[string]any{"Fn::Sub": "${AppName}-${AWS::StackName}-${AWS::StackName}"}
		}, "over the limit of 255"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := loadApp(t)
			if _, probs := checkNames(a); len(probs) > 0 {
				t.Fatalf("the unbroken templates already have problems: %q", probs)
			}
			tc.break_(a)
			_, probs := checkNames(a)
			for _, p := range probs {
				if strings.Contains(p, tc.want) {
					return
				}
			}
			t.Errorf("no problem mentions %q; got %q", tc.want, probs)
		})
	}
}

func TestEvalName(t *testing.T) {
	values := map[string]string{"AppName": "app"}
	tests := []struct {
		expr    any
		want    []string
		wantErr string
	}{
		{"literal", []string{"literal"}, ""},
		{map[string]any{"Ref": "AppName"}, []string{"app"}, ""},
		{map[string]any{"Fn::Sub": "${AppName}-acl"}, []string{"app-acl"}, ""},
		{map[string]any{"Fn::Sub": []any{"${AppName}-${Id}", map[string]any{"Id": map[string]any{"Fn::Select": []any{2, map[string]any{"Fn::Split": []any{"/", map[string]any{"Ref": "AWS::StackId"}}}}}}}},
			[]string{"app-1c2fa620-982a-11e3-aff7-50e2416294e0"}, ""},
		{map[string]any{"Fn::If": []any{"C", map[string]any{"Fn::Sub": "${AppName}-x"}, map[string]any{"Ref": "AWS::NoValue"}}}, []string{"app-x"}, ""},
		{map[string]any{"Fn::If": []any{"C", "a", "b"}}, []string{"a", "b"}, ""},
		{map[string]any{"Fn::Join": []any{"-", []any{map[string]any{"Ref": "AppName"}, "y"}}}, []string{"app-y"}, ""},
		{map[string]any{"Ref": "Other"}, nil, "no value for !Ref Other"},
		{map[string]any{"Fn::GetAtt": []any{"R", "Arn"}}, nil, "cannot evaluate"},
	}
	for _, tc := range tests {
		got, err := evalName(tc.expr, values)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want %q", canon(tc.expr), err, tc.wantErr)
			}
			continue
		}
		if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s = %q, %v; want %q", canon(tc.expr), got, err, tc.want)
		}
	}
	for _, bad := range []string{"Hashtags", "1abc", "abc-", "a--b", "a_b"} {
		if memoryDBName(bad) == nil {
			t.Errorf("memoryDBName(%q) accepted", bad)
		}
	}
	if err := memoryDBName("hashtags-final-1c2fa620-982a-11e3-aff7-50e2416294e0"); err != nil {
		t.Error(err)
	}
}
