package templatetest

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// The checks below each return the problems they find (empty: none), so that the tests can run
// them on the real templates and on deliberately broken copies.

const samTransform = "AWS::Serverless-2016-10-31"

// fnSpec is what the templates must say about one function.
type fnSpec struct {
	app, id   string                       // nested application and function logical ids
	codeURI   string                       // relative to the nested template
	timeout   int                          // seconds
	access    func(names ...string) string // the core's access string of its MemoryDB user
	env       []string                     // the environment contract
	localOnly []string                     // declared empty, for sam local invoke --env-vars only
}

var functions = []fnSpec{
	{
		app: "IngestStack", id: "IngestFunction", codeURI: "../ingest", timeout: 60,
		access: store.WriterAccess,
		env: []string{"MEMORYDB_ENDPOINT", "MEMORYDB_TLS", "MEMORYDB_CLUSTER", "MEMORYDB_SECRET_ARN", "X_SECRET_ARN",
			"X_API_URL", "BOARDS", "BOARD_NAMES", "MAX_PAGES", "X_DAILY_POST_BUDGET", "SCHEDULE_EXPRESSION", "X_PRICE_PER_POST",
			"SKIP_SENSITIVE", "EXCLUDE_HASHTAGS", "LOG_LEVEL"},
		localOnly: []string{"MEMORYDB_USERNAME", "MEMORYDB_PASSWORD", "X_BEARER_TOKEN"},
	},
	{
		app: "LeaderboardStack", id: "LeaderboardFunction", codeURI: "../leaderboard", timeout: 10,
		access:    store.ReaderAccess,
		env:       []string{"MEMORYDB_ENDPOINT", "MEMORYDB_TLS", "MEMORYDB_CLUSTER", "MEMORYDB_SECRET_ARN", "BOARDS", "BOARD_NAMES", "CACHE_TTL", "EMBED_ORIGINS", "LOG_LEVEL"},
		localOnly: []string{"MEMORYDB_USERNAME", "MEMORYDB_PASSWORD"},
	},
}

// cloudWatchRetentionDays is the list CloudWatch Logs accepts for RetentionInDays.
var cloudWatchRetentionDays = []any{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
	1827, 2192, 2557, 2922, 3288, 3653}

func (a *App) rel(t *Template) string {
	if r, err := filepath.Rel(a.Root, t.Path); err == nil {
		return r
	}
	return t.Path
}

func canon(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

func mapAt(v any, keys ...string) map[string]any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	m, _ := v.(map[string]any)
	return m
}

func isIntrinsic(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

func asInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case string:
		var n int
		if _, err := fmt.Sscanf(x, "%d", &n); err == nil && fmt.Sprint(n) == x {
			return n, true
		}
	}
	return 0, false
}

// function returns the nested template and properties of a function of the spec.
func (a *App) function(f fnSpec) (*Template, map[string]any, error) {
	t := a.Nested[f.app]
	if t == nil {
		return nil, nil, fmt.Errorf("template.yaml: no AWS::Serverless::Application %s", f.app)
	}
	r, ok := t.Resources()[f.id]
	if !ok || r.Type != "AWS::Serverless::Function" {
		return nil, nil, fmt.Errorf("%s: no AWS::Serverless::Function %s", a.rel(t), f.id)
	}
	return t, r.Properties, nil
}

// networkApp returns the id of the nested application holding the MemoryDB cluster.
func (a *App) networkApp() (string, *Template, error) {
	var found []string
	for id, t := range a.Nested {
		if len(t.ResourcesOfType("AWS::MemoryDB::Cluster")) > 0 {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		return "", nil, fmt.Errorf("want one nested template with an AWS::MemoryDB::Cluster, got %d", len(found))
	}
	return found[0], a.Nested[found[0]], nil
}

// passed returns the value the parent passes to parameter param of nested application app.
func (a *App) passed(app, param string) (any, bool) {
	v, ok := mapAt(a.Parent.Section("Resources")[app], "Properties", "Parameters")[param]
	return v, ok
}

// toNetwork follows a value in nested application app (a Ref to one of its parameters) through
// the parent (a GetAtt of a network output) to the network output's value.
func (a *App) toNetwork(app string, v any) (any, error) {
	t := a.Nested[app]
	p, ok := Ref(v)
	if !ok || t.Parameter(p) == nil {
		return nil, fmt.Errorf("%s: %s is not a Ref to a parameter", a.rel(t), canon(v))
	}
	pv, ok := a.passed(app, p)
	if !ok {
		return nil, fmt.Errorf("template.yaml: %s does not pass parameter %s", app, p)
	}
	netID, net, err := a.networkApp()
	if err != nil {
		return nil, err
	}
	res, attr, ok := GetAtt(pv)
	out, isOutput := strings.CutPrefix(attr, "Outputs.")
	if !ok || res != netID || !isOutput {
		return nil, fmt.Errorf("template.yaml: %s.%s = %s, want !GetAtt %s.Outputs.<name>", app, p, canon(pv), netID)
	}
	o := mapAt(net.Doc, "Outputs", out)
	if o == nil {
		return nil, fmt.Errorf("%s: no output %s", a.rel(net), out)
	}
	return o["Value"], nil
}

// toNetworkResource is toNetwork for an output that is a Ref to a network resource.
func (a *App) toNetworkResource(app string, v any, wantType string) (string, error) {
	ov, err := a.toNetwork(app, v)
	if err != nil {
		return "", err
	}
	_, net, _ := a.networkApp()
	id, ok := Ref(ov)
	if !ok {
		return "", fmt.Errorf("%s: output value %s is not a Ref", a.rel(net), canon(ov))
	}
	if r, ok := net.Resources()[id]; !ok || r.Type != wantType {
		return "", fmt.Errorf("%s: %s is not a %s", a.rel(net), id, wantType)
	}
	return id, nil
}

var pseudoParameters = map[string]bool{
	"AWS::AccountId": true, "AWS::NotificationARNs": true, "AWS::NoValue": true, "AWS::Partition": true,
	"AWS::Region": true, "AWS::StackId": true, "AWS::StackName": true, "AWS::URLSuffix": true,
}

// samGenerated returns the logical ids of the resources the SAM transform generates for the
// template's functions (which other resources and outputs may refer to).
func samGenerated(t *Template) map[string]bool {
	gen := map[string]bool{}
	for id, r := range t.Resources() {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		if r.Properties["Role"] == nil {
			gen[id+"Role"] = true
		}
		if r.Properties["FunctionUrlConfig"] != nil {
			gen[id+"Url"] = true
		}
		if r.Properties["EventInvokeConfig"] != nil {
			gen[id+"EventInvokeConfig"] = true
		}
		for name := range mapAt(r.Properties, "Events") {
			gen[id+name] = true
		}
	}
	return gen
}

// checkTransform: every template is a SAM template.
func checkTransform(a *App) []string {
	var probs []string
	for _, t := range a.Templates() {
		if t.Doc["Transform"] != samTransform {
			probs = append(probs, fmt.Sprintf("%s: Transform = %v, want %s", a.rel(t), t.Doc["Transform"], samTransform))
		}
	}
	return probs
}

// checkReferences: every Ref, GetAtt, Sub variable and Condition names something that exists.
func checkReferences(a *App) []string {
	var probs []string
	for _, t := range a.Templates() {
		params, res, conds := t.Section("Parameters"), t.Section("Resources"), t.Section("Conditions")
		for _, section := range []string{"Resources", "Outputs"} {
			for id, def := range t.Section(section) {
				if c, ok := mapAt(def)["Condition"].(string); ok && conds[c] == nil {
					probs = append(probs, fmt.Sprintf("%s: %s %s has unknown condition %q", a.rel(t), section, id, c))
				}
			}
		}
		known := func(name string) bool {
			_, p := params[name]
			_, r := res[name]
			return p || r || pseudoParameters[name]
		}
		gen := samGenerated(t)
		Walk(a.rel(t)+":", t.Doc, func(path string, v any) {
			if name, ok := Ref(v); ok && !known(name) {
				probs = append(probs, fmt.Sprintf("%s: Ref to unknown %q", path, name))
			}
			if r, _, ok := GetAtt(v); ok {
				if _, exists := res[r]; !exists && !gen[r] {
					probs = append(probs, fmt.Sprintf("%s: GetAtt of unknown resource %q", path, r))
				}
			}
			if tmpl, vars, ok := Sub(v); ok {
				for _, name := range SubVariables(tmpl) {
					base, _, _ := strings.Cut(name, ".")
					if _, local := vars[name]; !local && !known(name) && !(strings.Contains(name, ".") && (known(base) || gen[base])) {
						probs = append(probs, fmt.Sprintf("%s: Sub variable ${%s} names nothing", path, name))
					}
				}
			}
			m, _ := v.(map[string]any)
			if c, ok := m["Condition"].(string); ok && len(m) == 1 && conds[c] == nil {
				probs = append(probs, fmt.Sprintf("%s: unknown condition %q", path, c))
			}
			if f, ok := m["Fn::If"].([]any); ok && len(f) == 3 {
				if c, _ := f[0].(string); conds[c] == nil {
					probs = append(probs, fmt.Sprintf("%s: Fn::If on unknown condition %q", path, f[0]))
				}
			}
		})
	}
	return probs
}

// checkUnused: every parameter, condition and mapping is used (cfn-lint skips these rules
// for templates with the SAM transform).
func checkUnused(a *App) []string {
	var probs []string
	for _, t := range a.Templates() {
		used := map[string]bool{}
		// Not Metadata: the console's parameter groups list every parameter, which is no use.
		for _, section := range []string{"Resources", "Outputs", "Conditions"} {
			Walk("", t.Doc[section], func(_ string, v any) {
				if name, ok := Ref(v); ok {
					used["param:"+name] = true
				}
				if tmpl, _, ok := Sub(v); ok {
					for _, name := range SubVariables(tmpl) {
						used["param:"+name] = true
					}
				}
				m, _ := v.(map[string]any)
				if c, ok := m["Condition"].(string); ok {
					used["cond:"+c] = true
				}
				if f, ok := m["Fn::If"].([]any); ok && len(f) == 3 {
					used[fmt.Sprint("cond:", f[0])] = true
				}
				if f, ok := m["Fn::FindInMap"].([]any); ok && len(f) == 3 {
					used[fmt.Sprint("map:", f[0])] = true
				}
			})
		}
		for kind, section := range map[string]string{"param:": "Parameters", "cond:": "Conditions", "map:": "Mappings"} {
			for name := range t.Section(section) {
				if !used[kind+name] {
					probs = append(probs, fmt.Sprintf("%s: %s %s is not used", a.rel(t), section, name))
				}
			}
		}
	}
	sort.Strings(probs)
	return probs
}

// checkNestedParameters: the parent passes every parameter of every nested template and no
// other; what it passes are its own parameters or existing outputs of other nested stacks.
func checkNestedParameters(a *App) []string {
	var probs []string
	for app, t := range a.Nested {
		passed := mapAt(a.Parent.Section("Resources")[app], "Properties", "Parameters")
		for name := range t.Section("Parameters") {
			if _, ok := passed[name]; !ok {
				probs = append(probs, fmt.Sprintf("template.yaml: %s does not pass parameter %s of %s", app, name, a.rel(t)))
			}
		}
		for name, v := range passed {
			if t.Parameter(name) == nil {
				probs = append(probs, fmt.Sprintf("template.yaml: %s passes %s, which %s does not declare", app, name, a.rel(t)))
			}
			if p, ok := Ref(v); ok && a.Parent.Parameter(p) == nil && !pseudoParameters[p] {
				probs = append(probs, fmt.Sprintf("template.yaml: %s.%s = !Ref %s, not a parameter of template.yaml", app, name, p))
			}
			probs = append(probs, a.checkOutputRefs(fmt.Sprintf("template.yaml: %s.%s", app, name), v)...)
		}
	}
	sort.Strings(probs)
	return probs
}

// checkOutputRefs: every nested-stack output v refers to (GetAtt X.Outputs.Y or ${X.Outputs.Y})
// exists.
func (a *App) checkOutputRefs(where string, v any) []string {
	var probs []string
	check := func(res, attr string) {
		out, ok := strings.CutPrefix(attr, "Outputs.")
		t := a.Nested[res]
		if !ok || t == nil {
			return
		}
		if mapAt(t.Doc, "Outputs", out) == nil {
			probs = append(probs, fmt.Sprintf("%s: %s.Outputs.%s does not exist in %s", where, res, out, a.rel(t)))
		}
	}
	Walk("", v, func(_ string, x any) {
		if res, attr, ok := GetAtt(x); ok {
			check(res, attr)
		}
		if tmpl, _, ok := Sub(x); ok {
			for _, name := range SubVariables(tmpl) {
				if res, attr, found := strings.Cut(name, "."); found {
					check(res, attr)
				}
			}
		}
	})
	return probs
}

// checkParentOutputs: the outputs the issue asks for exist and each refers to existing nested
// outputs.
func checkParentOutputs(a *App) []string {
	var probs []string
	outs := a.Parent.Section("Outputs")
	for _, want := range []string{"FunctionUrl", "DashboardUrl", "IngestFunctionName", "MemoryDBEndpoint"} {
		if outs[want] == nil {
			probs = append(probs, "template.yaml: no output "+want)
		}
	}
	for name, o := range outs {
		probs = append(probs, a.checkOutputRefs("template.yaml: output "+name, mapAt(o)["Value"])...)
	}
	sort.Strings(probs)
	return probs
}

var secretLikeName = regexp.MustCompile(`(?i)(passw|token|bearer|api_?key|api_?secret|credential|private_?key|secret)`)

// checkNoSecretValues: no parameter or output is named like a credential (ARNs of secrets
// aside); no dynamic reference ({{resolve:...}}) anywhere but the MemoryDB users' passwords;
// no environment variable holds a secret (only *_SECRET_ARN references; the local-only
// stand-ins are declared empty).
func checkNoSecretValues(a *App) []string {
	var probs []string
	for _, t := range a.Templates() {
		for _, section := range []string{"Parameters", "Outputs"} {
			for name, def := range t.Section(section) {
				if secretLikeName.MatchString(name) && !strings.HasSuffix(name, "Arn") {
					probs = append(probs, fmt.Sprintf("%s: %s %s is named like a credential", a.rel(t), section, name))
				}
				if section == "Parameters" && mapAt(def)["NoEcho"] != nil {
					probs = append(probs, fmt.Sprintf("%s: parameter %s has NoEcho: no parameter may carry a secret", a.rel(t), name))
				}
			}
		}
		res := t.Resources()
		Walk("", t.Doc, func(path string, v any) {
			s, ok := v.(string)
			if !ok || !strings.Contains(s, "{{resolve:") {
				return
			}
			parts := strings.Split(path, "/")
			allowed := len(parts) >= 6 && parts[1] == "Resources" && res[parts[2]].Type == "AWS::MemoryDB::User" &&
				strings.Join(parts[3:6], "/") == "Properties/AuthenticationMode/Passwords"
			if !allowed {
				probs = append(probs, fmt.Sprintf("%s:%s: dynamic reference outside a MemoryDB user's Passwords", a.rel(t), path))
			}
		})
	}
	for _, f := range functions {
		t, props, err := a.function(f)
		if err != nil {
			probs = append(probs, err.Error())
			continue
		}
		vars := mapAt(props, "Environment", "Variables")
		for name, v := range vars {
			where := fmt.Sprintf("%s: %s environment %s", a.rel(t), f.id, name)
			switch {
			case strings.HasSuffix(name, "_SECRET_ARN"):
				if !isIntrinsic(v) {
					probs = append(probs, where+" must be a reference to a secret's ARN, not a literal")
				}
			case slices.Contains(f.localOnly, name):
				if v != "" {
					probs = append(probs, where+` is a local-only stand-in and must be declared "" in the template`)
				}
			case secretLikeName.MatchString(name):
				probs = append(probs, where+" is named like a credential")
			}
		}
	}
	sort.Strings(probs)
	return probs
}

// checkFunctions: runtime, architecture, handler, build, tracing, timeout, VPC and logging of
// every function, and its environment's names.
func checkFunctions(a *App) []string {
	var probs []string
	specs := map[string]bool{}
	for _, f := range functions {
		specs[f.app+"/"+f.id] = true
	}
	for _, t := range a.Templates() {
		for id, r := range t.Resources() {
			if r.Type == "AWS::Lambda::Function" {
				probs = append(probs, fmt.Sprintf("%s: %s: use AWS::Serverless::Function", a.rel(t), id))
			}
			if r.Type != "AWS::Serverless::Function" {
				continue
			}
			app := ""
			for n, nt := range a.Nested {
				if nt == t {
					app = n
				}
			}
			if !specs[app+"/"+id] {
				probs = append(probs, fmt.Sprintf("%s: function %s is not in the checked list", a.rel(t), id))
			}
		}
	}
	if globals := mapAt(a.Parent.Doc, "Globals"); globals != nil {
		probs = append(probs, "template.yaml: Globals are not expected (the checks read each function's own properties)")
	}
	for _, f := range functions {
		t, p, err := a.function(f)
		if err != nil {
			probs = append(probs, err.Error())
			continue
		}
		where := fmt.Sprintf("%s: %s", a.rel(t), f.id)
		if mapAt(t.Doc, "Globals") != nil {
			probs = append(probs, a.rel(t)+": Globals are not expected (the checks read each function's own properties)")
		}
		want := map[string]any{"Runtime": "provided.al2023", "Handler": "bootstrap", "Tracing": "Active", "Timeout": f.timeout}
		for k, w := range want {
			if p[k] != w {
				probs = append(probs, fmt.Sprintf("%s: %s = %v, want %v", where, k, p[k], w))
			}
		}
		if !reflect.DeepEqual(p["Architectures"], []any{"arm64"}) {
			probs = append(probs, fmt.Sprintf("%s: Architectures = %v, want [arm64]", where, p["Architectures"]))
		}
		// makefile: sam build runs build-<LogicalId> (checkBuildTargets); go1.x would run a plain,
		// unstripped go build.
		if bm := mapAt(t.Section("Resources")[f.id], "Metadata")["BuildMethod"]; bm != "makefile" {
			probs = append(probs, fmt.Sprintf("%s: Metadata.BuildMethod = %v, want makefile", where, bm))
		}
		if p["CodeUri"] != f.codeURI {
			probs = append(probs, fmt.Sprintf("%s: CodeUri = %v, want %s", where, p["CodeUri"], f.codeURI))
		} else if goFiles, _ := filepath.Glob(filepath.Join(t.Dir(), f.codeURI, "*.go")); len(goFiles) == 0 {
			probs = append(probs, fmt.Sprintf("%s: CodeUri %s has no Go files to build", where, f.codeURI))
		}
		vpc := mapAt(p, "VpcConfig")
		if vpc["SubnetIds"] == nil || vpc["SecurityGroupIds"] == nil {
			probs = append(probs, where+": VpcConfig needs SubnetIds and SecurityGroupIds")
		}
		logging := mapAt(p, "LoggingConfig")
		if logging["LogFormat"] != "JSON" {
			probs = append(probs, fmt.Sprintf("%s: LoggingConfig.LogFormat = %v, want JSON", where, logging["LogFormat"]))
		}
		lg, ok := Ref(logging["LogGroup"])
		if lgr := t.Resources()[lg]; !ok || lgr.Type != "AWS::Logs::LogGroup" {
			probs = append(probs, where+": LoggingConfig.LogGroup must be a Ref to an AWS::Logs::LogGroup")
		} else if lgr.Properties["RetentionInDays"] == nil {
			probs = append(probs, fmt.Sprintf("%s: log group %s has no RetentionInDays", a.rel(t), lg))
		}
		vars := mapAt(p, "Environment", "Variables")
		var got []string
		for k := range vars {
			got = append(got, k)
		}
		wantEnv := append(slices.Clone(f.env), f.localOnly...)
		sort.Strings(got)
		sort.Strings(wantEnv)
		if !slices.Equal(got, wantEnv) {
			probs = append(probs, fmt.Sprintf("%s: environment %v, want %v", where, got, wantEnv))
		}
		for _, k := range []string{"MEMORYDB_TLS", "MEMORYDB_CLUSTER"} { // MemoryDB: always TLS, always a cluster
			if vars[k] != "true" {
				probs = append(probs, fmt.Sprintf(`%s: %s = %v, want "true"`, where, k, vars[k]))
			}
		}
	}
	sort.Strings(probs)
	return probs
}

// checkPolicies: a function may read exactly the secrets its environment names, through the
// SAM policy template scoped to the secret's ARN; no managed policy or inline statement is
// added (SAM adds the VPC and X-Ray ones), and no statement anywhere has a wildcard.
func checkPolicies(a *App) []string {
	var probs []string
	for _, f := range functions {
		t, p, err := a.function(f)
		if err != nil {
			probs = append(probs, err.Error())
			continue
		}
		where := fmt.Sprintf("%s: %s", a.rel(t), f.id)
		var want, got []string
		for name, v := range mapAt(p, "Environment", "Variables") {
			if strings.HasSuffix(name, "_SECRET_ARN") {
				want = append(want, canon(v))
			}
		}
		policies, ok := p["Policies"].([]any)
		if !ok {
			probs = append(probs, where+": Policies must be a list")
		}
		for i, pol := range policies {
			m, ok := pol.(map[string]any)
			if !ok {
				probs = append(probs, fmt.Sprintf("%s: Policies[%d] = %v: no managed policies (SAM adds VPC access and X-Ray itself)", where, i, pol))
				continue
			}
			if sm, ok := m["AWSSecretsManagerGetSecretValuePolicy"].(map[string]any); ok && len(m) == 1 {
				arn := sm["SecretArn"]
				if s, isStr := arn.(string); isStr || strings.Contains(canon(arn), "*") {
					probs = append(probs, fmt.Sprintf("%s: Policies[%d] grants %q: want a reference to the secret's ARN", where, i, s))
				}
				got = append(got, canon(arn))
				continue
			}
			probs = append(probs, fmt.Sprintf("%s: Policies[%d] = %s: only AWSSecretsManagerGetSecretValuePolicy is expected", where, i, canon(pol)))
		}
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(want, got) {
			probs = append(probs, fmt.Sprintf("%s: may read secrets %v, its environment names %v", where, got, want))
		}
	}
	for _, t := range a.Templates() {
		for id, r := range t.Resources() {
			if !strings.HasPrefix(r.Type, "AWS::IAM::") {
				continue
			}
			Walk(a.rel(t)+": "+id, r.Properties, func(path string, v any) {
				if s, ok := v.(string); ok && strings.Contains(s, "*") {
					probs = append(probs, fmt.Sprintf("%s: wildcard %q", path, s))
				}
			})
		}
	}
	sort.Strings(probs)
	return probs
}

// checkMemoryDB: one cluster with TLS on, on port 6379, engine, version and parameter group
// consistent with the engine parameter, the ACL holding the users.
func checkMemoryDB(a *App) []string {
	var probs []string
	_, net, err := a.networkApp()
	if err != nil {
		return []string{err.Error()}
	}
	n := a.rel(net)
	ids := net.ResourcesOfType("AWS::MemoryDB::Cluster")
	c := net.Resources()[ids[0]].Properties
	if c["TLSEnabled"] != true {
		probs = append(probs, fmt.Sprintf("%s: %s.TLSEnabled = %v, want true", n, ids[0], c["TLSEnabled"]))
	}
	if c["Port"] != 6379 {
		probs = append(probs, fmt.Sprintf("%s: %s.Port = %v, want 6379", n, ids[0], c["Port"]))
	}
	engineParam, ok := Ref(c["Engine"])
	if !ok || net.Parameter(engineParam) == nil {
		probs = append(probs, n+": cluster Engine must be a Ref to a parameter")
	} else {
		allowed, _ := net.Parameter(engineParam)["AllowedValues"].([]any)
		if !reflect.DeepEqual(allowed, []any{"valkey", "redis"}) {
			probs = append(probs, fmt.Sprintf("%s: %s AllowedValues = %v, want [valkey redis]", n, engineParam, allowed))
		}
		families := map[string]struct{ group, version string }{
			"valkey": {"default.memorydb-valkey7", `^7\.2$`},
			"redis":  {"default.memorydb-redis7", `^7\.[01]$`},
		}
		for _, key := range []string{"EngineVersion", "ParameterGroupName"} {
			fm, _ := mapAt(c[key])["Fn::FindInMap"].([]any)
			if len(fm) != 3 || fm[2] != key || canon(fm[1]) != canon(map[string]any{"Ref": engineParam}) {
				probs = append(probs, fmt.Sprintf("%s: cluster %s = %s, want !FindInMap [<map>, !Ref %s, %s]", n, key, canon(c[key]), engineParam, key))
				continue
			}
			mapName, _ := fm[0].(string)
			for engine, fam := range families {
				got := mapAt(net.Doc, "Mappings", mapName, engine)[key]
				s, _ := got.(string)
				if key == "ParameterGroupName" && s != fam.group ||
					key == "EngineVersion" && !regexp.MustCompile(fam.version).MatchString(s) {
					probs = append(probs, fmt.Sprintf("%s: Mappings.%s.%s.%s = %v, inconsistent with engine %s", n, mapName, engine, key, got, engine))
				}
			}
		}
	}
	aclID, ok := Ref(c["ACLName"])
	acl := net.Resources()[aclID]
	if !ok || acl.Type != "AWS::MemoryDB::ACL" {
		probs = append(probs, n+": cluster ACLName must be a Ref to an AWS::MemoryDB::ACL")
	} else {
		var users []string
		names, _ := acl.Properties["UserNames"].([]any)
		for _, u := range names {
			id, _ := Ref(u)
			users = append(users, id)
		}
		sort.Strings(users)
		if want := net.ResourcesOfType("AWS::MemoryDB::User"); !slices.Equal(users, want) {
			probs = append(probs, fmt.Sprintf("%s: ACL %s users %v, want every user %v", n, aclID, users, want))
		}
	}
	return probs
}

// checkCredentials: each function's MEMORYDB_SECRET_ARN leads (through the parent and the
// network stack's outputs) to a generated secret whose username is a MemoryDB user whose
// password is that secret's and whose access string is "on " + the core's access string for
// the function's role, for the boards the function serves: its BOARDS and BOARD_NAMES are the
// parent's Boards and BoardNames, the users' key patterns are built from the same BoardNames,
// and rendered for the names of several Boards values they equal the core's.
func checkCredentials(a *App) []string {
	var probs []string
	netID, net, err := a.networkApp()
	if err != nil {
		return []string{err.Error()}
	}
	n := a.rel(net)
	netRes := net.Resources()
	// Placeholder values for every network parameter, so templates can be rendered.
	placeholders := map[string]string{}
	for name := range net.Section("Parameters") {
		placeholders[name] = "p-" + strings.ToLower(name)
	}
	seenUsers := map[string]string{}
	for _, f := range functions {
		t, p, err := a.function(f)
		if err != nil {
			probs = append(probs, err.Error())
			continue
		}
		where := fmt.Sprintf("%s: %s", a.rel(t), f.id)
		vars := mapAt(p, "Environment", "Variables")
		secretID, err := a.toNetworkResource(f.app, vars["MEMORYDB_SECRET_ARN"], "AWS::SecretsManager::Secret")
		if err != nil {
			probs = append(probs, fmt.Sprintf("%s: MEMORYDB_SECRET_ARN: %v", where, err))
			continue
		}
		wantPassword := "{{resolve:secretsmanager:${" + secretID + "}:SecretString:password}}"
		var userID string
		for _, id := range net.ResourcesOfType("AWS::MemoryDB::User") {
			pw, _ := mapAt(netRes[id].Properties, "AuthenticationMode")["Passwords"].([]any)
			if len(pw) == 1 {
				if tmpl, _, ok := Sub(pw[0]); ok && tmpl == wantPassword {
					userID = id
				}
			}
		}
		if userID == "" {
			probs = append(probs, fmt.Sprintf("%s: no MemoryDB user has exactly the password of secret %s (%s)", n, secretID, wantPassword))
			continue
		}
		if other, dup := seenUsers[userID]; dup {
			probs = append(probs, fmt.Sprintf("%s: %s and %s connect as the same user %s", n, other, f.id, userID))
		}
		seenUsers[userID] = f.id
		user := netRes[userID].Properties
		if mt := mapAt(user, "AuthenticationMode")["Type"]; mt != "password" {
			probs = append(probs, fmt.Sprintf("%s: %s AuthenticationMode.Type = %v, want password", n, userID, mt))
		}

		// The secret: generated, username = the user's name, password per MemoryDB's rules.
		gen := mapAt(netRes[secretID].Properties, "GenerateSecretString")
		if gen == nil {
			probs = append(probs, fmt.Sprintf("%s: secret %s must use GenerateSecretString", n, secretID))
			continue
		}
		probs = append(probs, checkPasswordRules(n+": "+secretID, gen)...)
		userName, err := renderString(user["UserName"], placeholders)
		if err != nil {
			probs = append(probs, fmt.Sprintf("%s: %s.UserName: %v", n, userID, err))
		}
		tmplJSON, err := renderString(gen["SecretStringTemplate"], placeholders)
		var secretTemplate map[string]any
		if err == nil {
			err = json.Unmarshal([]byte(tmplJSON), &secretTemplate)
		}
		if err != nil {
			probs = append(probs, fmt.Sprintf("%s: %s SecretStringTemplate: %v", n, secretID, err))
		} else if secretTemplate["username"] != userName {
			probs = append(probs, fmt.Sprintf("%s: secret %s username %v differs from user %s's UserName %q", n, secretID, secretTemplate["username"], userID, userName))
		}

		// The boards: the function's BOARDS is the parent's Boards, its BOARD_NAMES and the
		// network's BoardNames are the same value, the parent's BoardNames; the user's access
		// string, rendered for the names of several Boards values, is "on " + the core's.
		for envName, param := range map[string]string{"BOARDS": "Boards", "BOARD_NAMES": "BoardNames"} {
			nested, ok := Ref(vars[envName])
			fromFn, _ := a.passed(f.app, nested)
			if !ok || canon(fromFn) != canon(a.parentBoards(param)) {
				probs = append(probs, fmt.Sprintf("template.yaml: %s's %s = %s, want %s of the parent's %s", f.app, envName, canon(fromFn), canon(a.parentBoards(param)), param))
			}
		}
		for _, boards := range boardsValues(a) {
			parsed, err := config.ParseBoards(boards)
			if err != nil {
				probs = append(probs, fmt.Sprintf("template.yaml: Boards %s: %v", boards, err))
				continue
			}
			names := config.Names(parsed)
			got, err := renderString(user["AccessString"], placeholders, map[string][]string{"BoardNames": names})
			if err != nil {
				probs = append(probs, fmt.Sprintf("%s: %s.AccessString: %v", n, userID, err))
				break
			}
			if want := "on " + f.access(names...); got != want {
				probs = append(probs, fmt.Sprintf("%s: %s.AccessString for Boards %s, BoardNames %q (%s's user)\n got  %q\n want %q (\"on \" + the core's)", n, userID, boards, strings.Join(names, ","), f.id, got, want))
			}
		}
	}
	if fromNet, _ := a.passed(netID, "BoardNames"); canon(fromNet) != canon(a.parentBoards("BoardNames")) {
		probs = append(probs, fmt.Sprintf("template.yaml: %s's BoardNames = %s, want %s: the users must reach the boards the functions serve", netID, canon(fromNet), canon(a.parentBoards("BoardNames"))))
	}
	sort.Strings(probs)
	return probs
}

// renderString renders a literal string, a plain Fn::Sub string with values for its
// variables, or a Fn::Join of those whose list may be a Ref to a list parameter of lists
// (given at most once).
func renderString(v any, values map[string]string, lists ...map[string][]string) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	if tmpl, vars, ok := Sub(v); ok && len(vars) == 0 {
		return RenderSub(tmpl, values)
	}
	join, _ := mapAt(v)["Fn::Join"].([]any)
	sep, ok := "", len(join) == 2
	if ok {
		sep, ok = join[0].(string)
	}
	if !ok {
		return "", fmt.Errorf("%s is not a string, a plain !Sub or a !Join of those", canon(v))
	}
	if name, isRef := Ref(join[1]); isRef {
		if len(lists) == 0 || lists[0][name] == nil {
			return "", fmt.Errorf("no list for !Ref %s", name)
		}
		return strings.Join(lists[0][name], sep), nil
	}
	elems, isList := join[1].([]any)
	if !isList {
		return "", fmt.Errorf("Fn::Join of %s: want a list or a Ref to a list parameter", canon(join[1]))
	}
	parts := make([]string, len(elems))
	for i, e := range elems {
		s, err := renderString(e, values, lists...)
		if err != nil {
			return "", err
		}
		parts[i] = s
	}
	return strings.Join(parts, sep), nil
}

// parentBoards is what the parent must pass for a nested stack's Boards or BoardNames: its own
// Boards, or its BoardNames list joined with commas (a list cannot be passed to a nested stack).
func (a *App) parentBoards(param string) any {
	if param == "BoardNames" {
		return map[string]any{"Fn::Join": []any{",", map[string]any{"Ref": "BoardNames"}}}
	}
	return map[string]any{"Ref": param}
}

// boardsValues are the Boards values the access strings are checked for: the parent's default
// and some with several boards, names at the edges of the rule included.
func boardsValues(a *App) []string {
	def, _ := a.Parent.Parameter("Boards")["Default"].(string)
	return []string{
		def,
		`{"aws": "#aws -is:retweet", "golang": "#golang lang:en"}`,
		`{"other-board_2.x": "x", "A": "y", "` + strings.Repeat("z", 64) + `": "z"}`,
	}
}

// checkPasswordRules: MemoryDB passwords are 16-128 printable characters without spaces and
// without ", /, @ (and no "," to stay clear of quoting).
func checkPasswordRules(where string, gen map[string]any) []string {
	var probs []string
	if gen["GenerateStringKey"] != "password" {
		probs = append(probs, fmt.Sprintf("%s: GenerateStringKey = %v, want password", where, gen["GenerateStringKey"]))
	}
	length, ok := asInt(gen["PasswordLength"])
	if !ok {
		length = 32 // the Secrets Manager default
	}
	if length < 16 || length > 128 {
		probs = append(probs, fmt.Sprintf("%s: PasswordLength %d outside MemoryDB's 16-128", where, length))
	}
	if gen["IncludeSpace"] == true {
		probs = append(probs, where+": IncludeSpace: MemoryDB passwords cannot contain spaces")
	}
	if gen["ExcludePunctuation"] != true {
		excluded, _ := gen["ExcludeCharacters"].(string)
		for _, ch := range []string{`"`, "/", "@", ","} {
			if !strings.Contains(excluded, ch) {
				probs = append(probs, fmt.Sprintf("%s: punctuation allowed but %q not in ExcludeCharacters", where, ch))
			}
		}
	}
	return probs
}

// checkNetwork: the functions run in the private subnets of the cluster's subnet group (routed
// through a NAT gateway) with their own security groups, and the cluster's security group
// accepts its port from exactly those groups.
func checkNetwork(a *App) []string {
	var probs []string
	_, net, err := a.networkApp()
	if err != nil {
		return []string{err.Error()}
	}
	n := a.rel(net)
	res := net.Resources()
	cluster := res[net.ResourcesOfType("AWS::MemoryDB::Cluster")[0]].Properties
	sgs, _ := cluster["SecurityGroupIds"].([]any)
	var clusterSG string
	if len(sgs) == 1 {
		clusterSG, _ = Ref(sgs[0])
	}
	if res[clusterSG].Type != "AWS::EC2::SecurityGroup" {
		return append(probs, n+": cluster SecurityGroupIds must be one Ref to a security group")
	}
	sgID, _ := Ref(cluster["SubnetGroupName"])
	var groupSubnets []string
	subnetIDs, _ := mapAt(res[sgID].Properties)["SubnetIds"].([]any)
	for _, s := range subnetIDs {
		id, _ := Ref(s)
		groupSubnets = append(groupSubnets, id)
	}
	sort.Strings(groupSubnets)

	fnGroups := map[string]string{}
	for _, f := range functions {
		_, p, err := a.function(f)
		if err != nil {
			probs = append(probs, err.Error())
			continue
		}
		vpc := mapAt(p, "VpcConfig")
		ids, _ := vpc["SecurityGroupIds"].([]any)
		if len(ids) != 1 {
			probs = append(probs, fmt.Sprintf("%s: want one security group, got %v", f.id, ids))
			continue
		}
		sg, err := a.toNetworkResource(f.app, ids[0], "AWS::EC2::SecurityGroup")
		if err != nil {
			probs = append(probs, fmt.Sprintf("%s security group: %v", f.id, err))
			continue
		}
		if other, dup := fnGroups[sg]; dup {
			probs = append(probs, fmt.Sprintf("%s and %s share security group %s", other, f.id, sg))
		}
		fnGroups[sg] = f.id
		if sg == clusterSG {
			probs = append(probs, fmt.Sprintf("%s runs in the cluster's own security group", f.id))
		}
		subnetsOut, err := a.toNetwork(f.app, vpc["SubnetIds"])
		if err != nil {
			probs = append(probs, fmt.Sprintf("%s subnets: %v", f.id, err))
			continue
		}
		join, _ := mapAt(subnetsOut)["Fn::Join"].([]any)
		var subnets []string
		if len(join) == 2 {
			list, _ := join[1].([]any)
			for _, s := range list {
				id, _ := Ref(s)
				subnets = append(subnets, id)
			}
		}
		sort.Strings(subnets)
		if !slices.Equal(subnets, groupSubnets) || len(subnets) < 2 {
			probs = append(probs, fmt.Sprintf("%s runs in subnets %v, want the cluster's subnet group %v (two or more)", f.id, subnets, groupSubnets))
		}
	}
	for _, s := range groupSubnets {
		if res[s].Properties["MapPublicIpOnLaunch"] == true {
			probs = append(probs, fmt.Sprintf("%s: subnet %s maps public IPs", n, s))
		}
		if !privateRoute(res, s) {
			probs = append(probs, fmt.Sprintf("%s: subnet %s has no default route through a NAT gateway", n, s))
		}
	}

	// Ingress of the cluster's group: inline and separate rules.
	var rules []map[string]any
	ingress, _ := mapAt(res[clusterSG].Properties)["SecurityGroupIngress"].([]any)
	for _, r := range ingress {
		rules = append(rules, mapAt(r))
	}
	for _, id := range net.ResourcesOfType("AWS::EC2::SecurityGroupIngress") {
		if g, _ := Ref(res[id].Properties["GroupId"]); g == clusterSG {
			rules = append(rules, res[id].Properties)
		}
	}
	sources := map[string]bool{}
	for i, r := range rules {
		src, ok := Ref(r["SourceSecurityGroupId"])
		bad := !ok || r["IpProtocol"] != "tcp" || r["FromPort"] != 6379 || r["ToPort"] != 6379 ||
			r["CidrIp"] != nil || r["CidrIpv6"] != nil || r["SourcePrefixListId"] != nil
		if bad {
			probs = append(probs, fmt.Sprintf("%s: %s ingress rule %d = %s: want tcp 6379 from a function's security group only", n, clusterSG, i, canon(r)))
			continue
		}
		sources[src] = true
	}
	for sg, fn := range fnGroups {
		if !sources[sg] {
			probs = append(probs, fmt.Sprintf("%s: %s does not admit %s's security group %s", n, clusterSG, fn, sg))
		}
		delete(sources, sg)
	}
	for sg := range sources {
		probs = append(probs, fmt.Sprintf("%s: %s admits %s, which no function uses", n, clusterSG, sg))
	}
	sort.Strings(probs)
	return probs
}

// privateRoute: subnet s is associated with a route table whose default route goes to a NAT
// gateway (not an internet gateway).
func privateRoute(res map[string]Resource, s string) bool {
	for _, r := range res {
		if r.Type != "AWS::EC2::SubnetRouteTableAssociation" {
			continue
		}
		if id, _ := Ref(r.Properties["SubnetId"]); id != s {
			continue
		}
		table, _ := Ref(r.Properties["RouteTableId"])
		for _, route := range res {
			if route.Type != "AWS::EC2::Route" || route.Properties["DestinationCidrBlock"] != "0.0.0.0/0" {
				continue
			}
			if rt, _ := Ref(route.Properties["RouteTableId"]); rt == table {
				return route.Properties["NatGatewayId"] != nil && route.Properties["GatewayId"] == nil
			}
		}
	}
	return false
}

// checkParentParameters: the parameters the issue asks for, with descriptions, defaults and
// allowed values.
func checkParentParameters(a *App) []string {
	var probs []string
	type want struct {
		def     any
		allowed []any
	}
	wants := map[string]want{
		"Boards":                         {def: `{"hashtags": "#aws -is:retweet"}`},
		"BoardNames":                     {def: "hashtags"},
		"ScheduleExpression":             {def: nil},
		"XSecretArn":                     {def: ""},
		"Engine":                         {def: "valkey", allowed: []any{"valkey", "redis"}},
		"NodeType":                       {def: "db.t4g.small"},
		"NumShards":                      {def: 1},
		"NumReplicasPerShard":            {def: 1},
		"FunctionUrlAuthType":            {def: "NONE", allowed: []any{"NONE", "AWS_IAM"}},
		"CorsAllowedOrigins":             {def: nil},
		"LogRetentionDays":               {def: nil, allowed: cloudWatchRetentionDays},
		"NatGateways":                    {def: "single", allowed: []any{"single", "per-az"}},
		"MaxPages":                       {def: 10},
		"DailyPostBudget":                {def: 2000},
		"XPricePerPost":                  {def: 0.005},
		"SkipSensitive":                  {def: "true", allowed: []any{"true", "false"}},
		"ExcludeHashtags":                {def: ""},
		"CacheTtlSeconds":                {def: 5},
		"EmbedOrigins":                   {def: ""},
		"AlarmTopicArn":                  {def: ""},
		"FunctionMemorySize":             {def: nil},
		"LogLevel":                       {def: nil},
		"AppName":                        {def: nil},
		"LeaderboardReservedConcurrency": {def: 0},
		"IngestReservedConcurrency":      {def: 0},
		"FinalSnapshot":                  {def: "true", allowed: []any{"true", "false"}},
	}
	for name, w := range wants {
		p := a.Parent.Parameter(name)
		if p == nil {
			probs = append(probs, "template.yaml: no parameter "+name)
			continue
		}
		if _, ok := p["Default"]; !ok {
			probs = append(probs, "template.yaml: parameter "+name+" has no Default")
		} else if w.def != nil && p["Default"] != w.def {
			if n, ok := asInt(p["Default"]); !ok || n != w.def {
				probs = append(probs, fmt.Sprintf("template.yaml: %s default = %v, want %v", name, p["Default"], w.def))
			}
		}
		if w.allowed != nil && !reflect.DeepEqual(p["AllowedValues"], w.allowed) {
			probs = append(probs, fmt.Sprintf("template.yaml: %s AllowedValues = %v, want %v", name, p["AllowedValues"], w.allowed))
		}
	}
	// The default Boards and BoardNames name the same boards, or the default stack would not start.
	if def, _ := a.Parent.Parameter("Boards")["Default"].(string); def != "" {
		boards, err := config.ParseBoards(def)
		names, _ := a.Parent.Parameter("BoardNames")["Default"].(string)
		if err != nil || strings.Join(config.Names(boards), ",") != names {
			probs = append(probs, fmt.Sprintf("template.yaml: default Boards %s (%v) does not name the default BoardNames %q", def, err, names))
		}
	}
	for _, t := range a.Templates() {
		for name, def := range t.Section("Parameters") {
			if d, _ := mapAt(def)["Description"].(string); strings.TrimSpace(d) == "" {
				probs = append(probs, fmt.Sprintf("%s: parameter %s has no Description", a.rel(t), name))
			}
		}
	}
	sort.Strings(probs)
	return probs
}

// checkLeaderboardURL: the Function URL with the auth-type parameter, CORS GET/HEAD from the
// origins parameter, and the public-access permissions for NONE (its optional reserved
// concurrency: checkReservations).
func checkLeaderboardURL(a *App) []string {
	var probs []string
	f := functions[1]
	t, p, err := a.function(f)
	if err != nil {
		return []string{err.Error()}
	}
	where := fmt.Sprintf("%s: %s", a.rel(t), f.id)
	url := mapAt(p, "FunctionUrlConfig")
	authParam, ok := Ref(url["AuthType"])
	if !ok || !reflect.DeepEqual(t.Parameter(authParam)["AllowedValues"], []any{"NONE", "AWS_IAM"}) {
		probs = append(probs, where+": FunctionUrlConfig.AuthType must be a Ref to a NONE|AWS_IAM parameter")
	} else if v, _ := a.passed(f.app, authParam); canon(v) != canon(map[string]any{"Ref": "FunctionUrlAuthType"}) {
		probs = append(probs, fmt.Sprintf("template.yaml: %s.%s = %s, want !Ref FunctionUrlAuthType", f.app, authParam, canon(v)))
	}
	cors := mapAt(url, "Cors")
	if !reflect.DeepEqual(cors["AllowMethods"], []any{"GET", "HEAD"}) {
		probs = append(probs, fmt.Sprintf("%s: Cors.AllowMethods = %v, want [GET HEAD]", where, cors["AllowMethods"]))
	}
	if o, ok := Ref(cors["AllowOrigins"]); !ok || t.Parameter(o)["Type"] != "CommaDelimitedList" {
		probs = append(probs, where+": Cors.AllowOrigins must be a Ref to a CommaDelimitedList parameter")
	}
	// SAM adds no permission for a non-literal AuthType: the template must, for NONE.
	wantPerms := map[string]map[string]any{
		"lambda:InvokeFunctionUrl": {"FunctionUrlAuthType": "NONE"},
		"lambda:InvokeFunction":    {"InvokedViaFunctionUrl": true},
	}
	for _, id := range t.ResourcesOfType("AWS::Lambda::Permission") {
		r := t.Resources()[id]
		action, _ := r.Properties["Action"].(string)
		extra, ok := wantPerms[action]
		if fn, _ := Ref(r.Properties["FunctionName"]); !ok || fn != f.id || r.Properties["Principal"] != "*" {
			continue
		}
		cond := mapAt(t.Section("Conditions"))[r.Condition]
		if canon(cond) != canon(map[string]any{"Fn::Equals": []any{map[string]any{"Ref": authParam}, "NONE"}}) {
			probs = append(probs, fmt.Sprintf("%s: permission %s must have a condition equal to AuthType NONE", a.rel(t), id))
		}
		for k, v := range extra {
			if r.Properties[k] != v {
				probs = append(probs, fmt.Sprintf("%s: permission %s: %s = %v, want %v", a.rel(t), id, k, r.Properties[k], v))
			}
		}
		delete(wantPerms, action)
	}
	for action := range wantPerms {
		probs = append(probs, fmt.Sprintf("%s: no public %s permission for AuthType NONE", where, action))
	}
	if mapAt(t.Doc, "Outputs", "FunctionUrl") == nil {
		probs = append(probs, a.rel(t)+": no FunctionUrl output")
	}
	sort.Strings(probs)
	return probs
}

// checkIngestSchedule: one ingest schedule and one upkeep-only schedule, each with a retry
// policy and a dead-letter queue, an on-failure destination, an alarm on the function's errors
// and one on the read budget (its optional reserved concurrency: checkReservations).
func checkIngestSchedule(a *App) []string {
	var probs []string
	f := functions[0]
	t, p, err := a.function(f)
	if err != nil {
		return []string{err.Error()}
	}
	where := fmt.Sprintf("%s: %s", a.rel(t), f.id)
	var schedules, upkeeps int
	for name, e := range mapAt(p, "Events") {
		typ := mapAt(e)["Type"]
		if typ != "Schedule" && typ != "ScheduleV2" {
			probs = append(probs, fmt.Sprintf("%s: event %s of type %v: only a schedule is expected", where, name, typ))
			continue
		}
		props := mapAt(e, "Properties")
		if in, _ := props["Input"].(string); strings.Contains(in, `"Window Upkeep"`) {
			upkeeps++ // the upkeep-only schedule at every bucket boundary (internal/ingest/upkeep.go)
		} else {
			schedules++
		}
		if mapAt(props, "RetryPolicy")["MaximumRetryAttempts"] == nil {
			probs = append(probs, fmt.Sprintf("%s: event %s has no RetryPolicy.MaximumRetryAttempts", where, name))
		}
		dlq := mapAt(props, "DeadLetterConfig")
		if dlq["Arn"] == nil && dlq["Type"] == nil {
			probs = append(probs, fmt.Sprintf("%s: event %s has no DeadLetterConfig", where, name))
		}
	}
	if schedules != 1 || upkeeps != 1 {
		probs = append(probs, fmt.Sprintf("%s: %d ingest schedules and %d upkeep schedules, want 1 of each", where, schedules, upkeeps))
	}
	if mapAt(p, "EventInvokeConfig", "DestinationConfig", "OnFailure")["Destination"] == nil {
		probs = append(probs, where+": no EventInvokeConfig on-failure destination")
	}
	alarmed := false
	for _, id := range t.ResourcesOfType("AWS::CloudWatch::Alarm") {
		ap := t.Resources()[id].Properties
		dims, _ := ap["Dimensions"].([]any)
		for _, d := range dims {
			if fn, _ := Ref(mapAt(d)["Value"]); ap["Namespace"] == "AWS/Lambda" && ap["MetricName"] == "Errors" &&
				mapAt(d)["Name"] == "FunctionName" && fn == f.id {
				alarmed = true
			}
		}
	}
	if !alarmed {
		probs = append(probs, where+": no CloudWatch alarm on its AWS/Lambda Errors")
	}
	probs = append(probs, checkBudgetAlarm(a, t)...)
	probs = append(probs, checkRateLimitedAlarm(a, t)...)
	sort.Strings(probs)
	return probs
}

// ingestAlarm finds the alarm of template t on the ingest metric (namespace
// HashtagLeaderboard) and checks what every such alarm shares: dimension Function=ingest, as the
// handler writes its metrics, and the errors alarm's actions (the same topic). ok is false when
// t has no such alarm.
func ingestAlarm(a *App, t *Template, metric string) (ap map[string]any, where string, probs []string, ok bool) {
	var errorsActions any
	for _, id := range t.ResourcesOfType("AWS::CloudWatch::Alarm") {
		if p := t.Resources()[id].Properties; p["MetricName"] == "Errors" {
			errorsActions = p["AlarmActions"]
		}
	}
	for _, id := range t.ResourcesOfType("AWS::CloudWatch::Alarm") {
		ap = t.Resources()[id].Properties
		if ap["Namespace"] != "HashtagLeaderboard" || ap["MetricName"] != metric {
			continue
		}
		where = fmt.Sprintf("%s: %s", a.rel(t), id)
		if canon(ap["Dimensions"]) != canon([]any{map[string]any{"Name": "Function", "Value": "ingest"}}) {
			probs = append(probs, fmt.Sprintf("%s: Dimensions %s, want Function=ingest, as the ingest metrics", where, canon(ap["Dimensions"])))
		}
		if errorsActions == nil || canon(ap["AlarmActions"]) != canon(errorsActions) {
			probs = append(probs, fmt.Sprintf("%s: AlarmActions %s, want the errors alarm's %s", where, canon(ap["AlarmActions"]), canon(errorsActions)))
		}
		return ap, where, probs, true
	}
	return nil, "", nil, false
}

// checkBudgetAlarm: the ingest template t has an alarm when the day's X API read budget is
// spent: the BudgetRemaining metric the handler writes below X's smallest page (ingestAlarm).
func checkBudgetAlarm(a *App, t *Template) []string {
	ap, where, probs, ok := ingestAlarm(a, t, "BudgetRemaining")
	if !ok {
		return []string{a.rel(t) + ": no CloudWatch alarm on HashtagLeaderboard BudgetRemaining (the X API read budget)"}
	}
	if n, _ := asInt(ap["Threshold"]); n != xapi.MinPageSize || ap["ComparisonOperator"] != "LessThanThreshold" || ap["Statistic"] != "Minimum" {
		probs = append(probs, fmt.Sprintf("%s: want Minimum < %d (X's smallest page), got %v %v %v", where, xapi.MinPageSize,
			ap["Statistic"], ap["ComparisonOperator"], ap["Threshold"]))
	}
	return probs
}

// checkRateLimitedAlarm: the ingest template t has an alarm when every run of an hour was
// stopped by X's rate limit: the RateLimited metric the handler writes (1 or 0 per run) at a
// Minimum >= 1 over 3600 s (ingestAlarm).
func checkRateLimitedAlarm(a *App, t *Template) []string {
	ap, where, probs, ok := ingestAlarm(a, t, "RateLimited")
	if !ok {
		return []string{a.rel(t) + ": no CloudWatch alarm on HashtagLeaderboard RateLimited (runs stopped by X's rate limit)"}
	}
	period, _ := asInt(ap["Period"])
	evals, _ := asInt(ap["EvaluationPeriods"])
	if n, _ := asInt(ap["Threshold"]); n != 1 || ap["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" ||
		ap["Statistic"] != "Minimum" || period*evals != 3600 {
		probs = append(probs, fmt.Sprintf("%s: want Minimum >= 1 over an hour (every run limited), got %v %v %v over %d x %d s",
			where, ap["Statistic"], ap["ComparisonOperator"], ap["Threshold"], evals, period))
	}
	return probs
}

// statefulTypes are the resource types whose deletion loses something: each must say what
// happens to it on delete and on replacement (DeletionPolicy, UpdateReplacePolicy), not leave it
// to the default.
var statefulTypes = []string{"AWS::MemoryDB::Cluster", "AWS::SecretsManager::Secret", "AWS::Logs::LogGroup",
	"AWS::SQS::Queue", "AWS::Serverless::Application", "AWS::CloudFormation::Stack"}

// checkDataOnDelete: explicit deletion policies on every stateful resource, and a final
// MemoryDB snapshot on delete governed by the parent's FinalSnapshot parameter (default "true").
func checkDataOnDelete(a *App) []string {
	var probs []string
	for _, t := range a.Templates() {
		for id, r := range t.Resources() {
			if !slices.Contains(statefulTypes, r.Type) {
				continue
			}
			def := mapAt(t.Section("Resources")[id])
			for _, k := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
				if _, ok := def[k].(string); !ok {
					probs = append(probs, fmt.Sprintf("%s: %s (%s) has no %s: say what deleting or replacing it does", a.rel(t), id, r.Type, k))
				}
			}
		}
	}
	netID, net, err := a.networkApp()
	if err != nil {
		return append(probs, err.Error())
	}
	n := a.rel(net)
	clusterID := net.ResourcesOfType("AWS::MemoryDB::Cluster")[0]
	snap, _ := mapAt(net.Resources()[clusterID].Properties)["FinalSnapshotName"].(map[string]any)
	ifArgs, _ := snap["Fn::If"].([]any)
	if len(ifArgs) != 3 || canon(ifArgs[2]) != canon(map[string]any{"Ref": "AWS::NoValue"}) {
		return append(probs, fmt.Sprintf("%s: %s.FinalSnapshotName = %s, want !If [<condition>, <name>, !Ref AWS::NoValue]", n, clusterID, canon(snap)))
	}
	cond, _ := ifArgs[0].(string)
	eq, _ := mapAt(net.Section("Conditions"))[cond].(map[string]any)
	args, _ := eq["Fn::Equals"].([]any)
	param, isRef := "", false
	if len(args) == 2 && args[1] == "true" {
		param, isRef = Ref(args[0])
	}
	if !isRef || net.Parameter(param) == nil {
		return append(probs, fmt.Sprintf("%s: condition %s = %s, want !Equals [!Ref <parameter>, \"true\"]", n, cond, canon(eq)))
	}
	trueFalse := []any{"true", "false"}
	if !reflect.DeepEqual(net.Parameter(param)["AllowedValues"], trueFalse) {
		probs = append(probs, fmt.Sprintf("%s: %s AllowedValues = %v, want [true false]", n, param, net.Parameter(param)["AllowedValues"]))
	}
	passed, _ := a.passed(netID, param)
	parentParam, ok := Ref(passed)
	if !ok || a.Parent.Parameter(parentParam) == nil {
		return append(probs, fmt.Sprintf("template.yaml: %s.%s = %s, want a !Ref to a parameter", netID, param, canon(passed)))
	}
	p := a.Parent.Parameter(parentParam)
	if p["Default"] != "true" || !reflect.DeepEqual(p["AllowedValues"], trueFalse) {
		probs = append(probs, fmt.Sprintf("template.yaml: %s Default %v, AllowedValues %v: want \"true\" (keep the data unless told otherwise) of [true false]", parentParam, p["Default"], p["AllowedValues"]))
	}
	return probs
}
