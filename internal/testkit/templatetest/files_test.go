package templatetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/BurntSushi/toml"
	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
)

// The top-level keys of a Lambda Function URL request event (payload format 2.0).
var functionURLKeys = map[string]bool{
	"version": true, "routeKey": true, "rawPath": true, "rawQueryString": true, "cookies": true, "headers": true,
	"queryStringParameters": true, "requestContext": true, "body": true, "pathParameters": true,
	"isBase64Encoded": true, "stageVariables": true,
}

func TestFunctionURLEvents(t *testing.T) {
	root := repoRoot(t)
	tests := []struct {
		file   string
		query  map[string]string // nil: no query string at all
		accept string            // the first media type of the Accept header
	}{
		{"function-url-get.json", nil, "*/*"},
		{"function-url-window.json", map[string]string{"window": "24h", "limit": "25"}, "*/*"},
		{"function-url-bad.json", map[string]string{"limit": "abc"}, "*/*"},
		{"function-url-trending.json", map[string]string{"view": "trending", "window": "1h", "limit": "10"}, "*/*"},
		{"function-url-browser.json", nil, "text/html"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(root, "events", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			var raw map[string]any
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			for k := range raw {
				if !functionURLKeys[k] {
					t.Errorf("key %q is not in the Function URL payload format", k)
				}
			}
			var req events.LambdaFunctionURLRequest
			if err := json.Unmarshal(data, &req); err != nil {
				t.Fatalf("decode into events.LambdaFunctionURLRequest: %v", err)
			}
			if req.Version != "2.0" || req.RawPath != "/" || req.RequestContext.HTTP.Path != req.RawPath {
				t.Errorf("version %q rawPath %q http.path %q, want 2.0, / and /", req.Version, req.RawPath, req.RequestContext.HTTP.Path)
			}
			if req.RequestContext.HTTP.Method != "GET" || req.IsBase64Encoded || req.Body != "" {
				t.Errorf("method %q, body %q (base64 %v): want a GET without body", req.RequestContext.HTTP.Method, req.Body, req.IsBase64Encoded)
			}
			for k := range req.Headers {
				if k != strings.ToLower(k) {
					t.Errorf("header %q is not lower case, as Function URLs send them", k)
				}
			}
			// queryStringParameters: absent without a query; else rawQueryString decoded.
			if tc.query == nil {
				if req.RawQueryString != "" || raw["queryStringParameters"] != nil {
					t.Errorf("rawQueryString %q, queryStringParameters %v: want none", req.RawQueryString, raw["queryStringParameters"])
				}
			} else {
				parsed, err := url.ParseQuery(req.RawQueryString)
				if err != nil {
					t.Fatalf("rawQueryString %q: %v", req.RawQueryString, err)
				}
				joined := map[string]string{}
				for k, v := range parsed {
					joined[k] = strings.Join(v, ",")
				}
				if !reflect.DeepEqual(joined, req.QueryStringParameters) || !reflect.DeepEqual(joined, tc.query) {
					t.Errorf("rawQueryString %q decodes to %v, queryStringParameters %v, want %v", req.RawQueryString, joined, req.QueryStringParameters, tc.query)
				}
			}
			rc := req.RequestContext
			if rc.DomainName != rc.DomainPrefix+".lambda-url.us-east-1.on.aws" || req.Headers["host"] != rc.DomainName || rc.APIID != rc.DomainPrefix {
				t.Errorf("domainName %q, domainPrefix %q, apiId %q, host %q: inconsistent", rc.DomainName, rc.DomainPrefix, rc.APIID, req.Headers["host"])
			}
			if rc.HTTP.UserAgent != req.Headers["user-agent"] || rc.HTTP.SourceIP != req.Headers["x-forwarded-for"] {
				t.Errorf("http.userAgent/sourceIp differ from the user-agent/x-forwarded-for headers")
			}
			at, err := time.Parse("02/Jan/2006:15:04:05 -0700", rc.Time)
			if err != nil || at.UnixMilli()/1000 != rc.TimeEpoch/1000 {
				t.Errorf("time %q (%v) and timeEpoch %d disagree", rc.Time, err, rc.TimeEpoch)
			}
			if !regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`).MatchString(req.Headers["x-amzn-trace-id"]) {
				t.Errorf("x-amzn-trace-id %q is not an X-Ray trace header", req.Headers["x-amzn-trace-id"])
			}
			if first, _, _ := strings.Cut(req.Headers["accept"], ","); first != tc.accept {
				t.Errorf("accept %q, want it to start with %s", req.Headers["accept"], tc.accept)
			}
		})
	}
}

func TestScheduleEvent(t *testing.T) {
	root := repoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "events", "schedule.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("decode into events.EventBridgeEvent: %v", err)
	}
	if ev.Version != "0" || ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" || string(ev.Detail) != "{}" || ev.Time.IsZero() {
		t.Errorf("got %+v, want an EventBridge Scheduled Event", ev)
	}
	// The rule is the one the ingest template creates, named for the default AppName.
	a := loadApp(t)
	name := mapAt(props(a, "IngestStack", "IngestFunction"), "Events", "Schedule", "Properties")["Name"]
	appName, _ := a.Parent.Parameter("AppName")["Default"].(string)
	rule, err := renderString(name, map[string]string{"AppName": appName})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", ev.Region, ev.AccountID, rule)
	if len(ev.Resources) != 1 || ev.Resources[0] != want {
		t.Errorf("resources %v, want [%s]", ev.Resources, want)
	}
}

// env.json is what `sam local invoke --env-vars` reads: SAM CLI applies a value only to a
// variable the function declares, so every key here must name a declared variable.
func TestEnvJSON(t *testing.T) {
	root := repoRoot(t)
	var file map[string]map[string]any
	if err := json.Unmarshal(readAll(t, filepath.Join(root, "events", "env.json")), &file); err != nil {
		t.Fatalf("events/env.json: %v", err)
	}
	a := loadApp(t)
	placeholders := map[string]string{}
	for name := range a.Nested["NetworkStack"].Section("Parameters") {
		placeholders[name] = fmt.Sprint(a.Parent.Parameter(name)["Default"])
	}
	seen := map[string]bool{}
	for _, f := range functions {
		vars, ok := file[f.id]
		if !ok {
			t.Errorf("events/env.json: no entry for %s", f.id)
			continue
		}
		seen[f.id] = true
		declared := env(a, f.app, f.id)
		for k, v := range vars {
			if _, ok := declared[k]; !ok {
				t.Errorf("events/env.json: %s.%s is not declared by the function, so sam local invoke would ignore it", f.id, k)
			}
			if _, ok := v.(string); !ok {
				t.Errorf("events/env.json: %s.%s = %v, want a string", f.id, k, v)
			}
			if strings.HasSuffix(k, "_SECRET_ARN") && v != "" {
				t.Errorf(`events/env.json: %s.%s = %v, want "" so the local stand-ins are used`, f.id, k, v)
			}
		}
		if vars["MEMORYDB_TLS"] != "false" || vars["MEMORYDB_CLUSTER"] != "false" || vars["MEMORYDB_ENDPOINT"] == nil {
			t.Errorf("events/env.json: %s: want MEMORYDB_ENDPOINT of a local standalone Redis, MEMORYDB_TLS and MEMORYDB_CLUSTER false", f.id)
		}
		// The local stand-in user is named like the deployed one (so the same ACL applies).
		_, p, err := a.function(f)
		if err != nil {
			t.Fatal(err)
		}
		secret, err := a.toNetworkResource(f.app, mapAt(p, "Environment", "Variables")["MEMORYDB_SECRET_ARN"], "AWS::SecretsManager::Secret")
		if err != nil {
			t.Fatal(err)
		}
		tmpl := mapAt(props(a, "NetworkStack", secret), "GenerateSecretString")["SecretStringTemplate"]
		rendered, err := renderString(tmpl, placeholders)
		if err != nil {
			t.Fatal(err)
		}
		var sec map[string]string
		if err := json.Unmarshal([]byte(rendered), &sec); err != nil {
			t.Fatal(err)
		}
		// The boards are ones the functions accept, BOARD_NAMES agreeing with BOARDS.
		getenv := func(k string) string { v, _ := vars[k].(string); return v }
		if _, err := config.LoadBoards(getenv); err != nil {
			t.Errorf("events/env.json: %s: %v", f.id, err)
		}
		if vars["MEMORYDB_USERNAME"] != sec["username"] {
			t.Errorf("events/env.json: %s.MEMORYDB_USERNAME = %v, want the deployed user's name %q", f.id, vars["MEMORYDB_USERNAME"], sec["username"])
		}
	}
	for k := range file {
		if !seen[k] {
			t.Errorf("events/env.json: %q is not a function's logical id", k)
		}
	}
}

func readAll(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parseOverrides splits SAM CLI parameter overrides: Key=Value or Key="Value with \"quotes\"".
func parseOverrides(s string) (map[string]string, error) {
	out := map[string]string{}
	i := 0
	for {
		for i < len(s) && unicode.IsSpace(rune(s[i])) {
			i++
		}
		if i == len(s) {
			return out, nil
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq <= 0 {
			return nil, fmt.Errorf("parameter overrides: no Key= at %q", s[i:])
		}
		key := s[i : i+eq]
		i += eq + 1
		var val strings.Builder
		if i < len(s) && s[i] == '"' {
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			if i == len(s) {
				return nil, fmt.Errorf("parameter overrides: unterminated quote in %s", key)
			}
			i++
		} else {
			for ; i < len(s) && !unicode.IsSpace(rune(s[i])); i++ {
				val.WriteByte(s[i])
			}
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("parameter overrides: %s given twice", key)
		}
		out[key] = val.String()
	}
}

func TestParseOverrides(t *testing.T) {
	got, err := parseOverrides(`A="#aws -is:retweet" B=x C="" D="say \"hi\""`)
	want := map[string]string{"A": "#aws -is:retweet", "B": "x", "C": "", "D": `say "hi"`}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{`A="open`, `=x`, `A=1 A=2`} {
		if _, err := parseOverrides(bad); err == nil {
			t.Errorf("parseOverrides(%q): no error", bad)
		}
	}
}

// checkParameterValue: value is acceptable for parameter def (AllowedValues, AllowedPattern,
// lengths, numeric bounds), as CloudFormation would check it.
func checkParameterValue(def map[string]any, value string) error {
	if def["Type"] == "CommaDelimitedList" { // AllowedPattern applies to each value of the list
		if p, ok := def["AllowedPattern"].(string); ok {
			for v := range strings.SplitSeq(value, ",") {
				if !regexp.MustCompile(`^(?:` + p + `)$`).MatchString(v) {
					return fmt.Errorf("list value %q does not match %s", v, p)
				}
			}
		}
		return nil
	}
	if allowed, ok := def["AllowedValues"].([]any); ok {
		found := false
		for _, v := range allowed {
			found = found || fmt.Sprint(v) == value
		}
		if !found {
			return fmt.Errorf("%q not in %v", value, allowed)
		}
	}
	if p, ok := def["AllowedPattern"].(string); ok && !regexp.MustCompile(`^(?:`+p+`)$`).MatchString(value) {
		return fmt.Errorf("%q does not match %s", value, p)
	}
	if n, ok := asInt(def["MaxLength"]); ok && len(value) > n {
		return fmt.Errorf("%q longer than %d", value, n)
	}
	if n, ok := asInt(def["MinLength"]); ok && len(value) < n {
		return fmt.Errorf("%q shorter than %d", value, n)
	}
	if def["Type"] == "Number" { // an integer or a float, as CloudFormation takes it
		n, err := strconv.ParseFloat(value, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return fmt.Errorf("%q is not a number", value)
		}
		if lo, ok := asNumber(def["MinValue"]); ok && n < lo {
			return fmt.Errorf("%v below %v", n, lo)
		}
		if hi, ok := asNumber(def["MaxValue"]); ok && n > hi {
			return fmt.Errorf("%v above %v", n, hi)
		}
	}
	return nil
}

func TestSamconfig(t *testing.T) {
	root := repoRoot(t)
	var cfg struct {
		Version float64 `toml:"version"`
		Default map[string]struct {
			Parameters map[string]any `toml:"parameters"`
		} `toml:"default"`
	}
	if _, err := toml.DecodeFile(filepath.Join(root, "samconfig.toml"), &cfg); err != nil {
		t.Fatalf("samconfig.toml: %v", err)
	}
	if cfg.Version != 0.1 {
		t.Errorf("version = %v, want 0.1", cfg.Version)
	}
	section := func(name string) map[string]any { return cfg.Default[name].Parameters }
	// cached must stay off: SAM's cache hashes only the CodeUri folder, not internal/ or go.mod.
	for k, want := range map[string]any{"cached": false, "parallel": true} {
		if section("build")[k] != want {
			t.Errorf("[default.build.parameters] %s = %v, want %v", k, section("build")[k], want)
		}
	}
	deploy := section("deploy")
	for k, want := range map[string]any{"resolve_s3": true, "confirm_changeset": true, "capabilities": "CAPABILITY_IAM CAPABILITY_AUTO_EXPAND"} {
		if deploy[k] != want {
			t.Errorf("[default.deploy.parameters] %s = %v, want %v", k, deploy[k], want)
		}
	}
	if s, _ := deploy["stack_name"].(string); s == "" {
		t.Error("[default.deploy.parameters] no stack_name")
	}
	envFile, _ := section("local_invoke")["env_vars"].(string)
	if _, err := os.Stat(filepath.Join(root, envFile)); envFile == "" || err != nil {
		t.Errorf("[default.local_invoke.parameters] env_vars = %q: %v", envFile, err)
	}
	// The placeholder overrides name parent parameters with values CloudFormation accepts.
	overrides, _ := deploy["parameter_overrides"].(string)
	parsed, err := parseOverrides(overrides)
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed) == 0 {
		t.Error("[default.deploy.parameters] no parameter_overrides")
	}
	a := loadApp(t)
	keys := make([]string, 0, len(parsed))
	for k := range parsed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		def := a.Parent.Parameter(k)
		if def == nil {
			t.Errorf("parameter_overrides: %s is not a parameter of template.yaml", k)
			continue
		}
		if err := checkParameterValue(def, parsed[k]); err != nil {
			t.Errorf("parameter_overrides: %s: %v", k, err)
		}
	}
	// Boards and BoardNames name the same boards (the functions would not start otherwise).
	if boards, err := config.ParseBoards(parsed["Boards"]); err != nil || strings.Join(config.Names(boards), ",") != parsed["BoardNames"] {
		t.Errorf("parameter_overrides: Boards %q (%v) and BoardNames %q do not name the same boards", parsed["Boards"], err, parsed["BoardNames"])
	}
	// And every parent default is acceptable too (CloudFormation checks defaults only on use).
	for name, def := range a.Parent.Section("Parameters") {
		if d, ok := mapAt(def)["Default"]; ok {
			if err := checkParameterValue(mapAt(def), fmt.Sprint(d)); err != nil {
				t.Errorf("template.yaml: %s Default: %v", name, err)
			}
		}
	}
}

func TestCheckParameterValue(t *testing.T) {
	list := map[string]any{"Type": "CommaDelimitedList", "AllowedPattern": "^[a-z]{1,3}$"}
	if err := checkParameterValue(list, "ab,c"); err != nil {
		t.Errorf("list ab,c: %v", err)
	}
	for _, bad := range []string{"ab,", "ab, c", "abcd,a"} {
		if checkParameterValue(list, bad) == nil {
			t.Errorf("list %q accepted", bad)
		}
	}
	def := map[string]any{"Type": "String", "AllowedPattern": "^[a-z]+$", "MaxLength": 5}
	if err := checkParameterValue(def, "abc"); err != nil {
		t.Errorf("abc: %v", err)
	}
	for _, bad := range []string{"ABC", "abcdef", ""} {
		if checkParameterValue(def, bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	num := map[string]any{"Type": "Number", "MinValue": 1, "MaxValue": 3, "AllowedValues": []any{1, 2, 5}}
	for v, ok := range map[string]bool{"1": true, "2": true, "5": false, "0": false, "x": false} {
		if got := checkParameterValue(num, v) == nil; got != ok {
			t.Errorf("%s: accepted=%v, want %v", v, got, ok)
		}
	}
	price := map[string]any{"Type": "Number", "MinValue": 0, "MaxValue": 1}
	for v, ok := range map[string]bool{"0.005": true, "0": true, "1": true, "1.5": false, "-0.001": false, "NaN": false, "$1": false} {
		if got := checkParameterValue(price, v) == nil; got != ok {
			t.Errorf("price %s: accepted=%v, want %v", v, got, ok)
		}
	}
}

// asNumber is a template's number (an integer or a float, or a string of one).
func asNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}
