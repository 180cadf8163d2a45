package templatetest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// repoRoot is the directory of go.mod above the test's working directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

func loadApp(t *testing.T) *App {
	t.Helper()
	a, err := LoadApp(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Nested) != 3 {
		t.Fatalf("template.yaml has %d nested applications, want 3 (network, ingest, leaderboard)", len(a.Nested))
	}
	return a
}

type check struct {
	name string
	fn   func(*App) []string
}

var checks = []check{
	{"transform", checkTransform},
	{"references", checkReferences},
	{"unused", checkUnused},
	{"nested parameters", checkNestedParameters},
	{"parent outputs", checkParentOutputs},
	{"no secret values", checkNoSecretValues},
	{"functions", checkFunctions},
	{"build targets", checkBuildTargets},
	{"policies", checkPolicies},
	{"memorydb", checkMemoryDB},
	{"credentials and access strings", checkCredentials},
	{"network", checkNetwork},
	{"parent parameters", checkParentParameters},
	{"leaderboard url", checkLeaderboardURL},
	{"ingest schedule", checkIngestSchedule},
	{"reserved concurrency", checkReservations},
	{"data on delete", checkDataOnDelete},
	{"limits and variables (internal/config)", checkLimits},
}

func TestTemplates(t *testing.T) {
	a := loadApp(t)
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range c.fn(a) {
				t.Error(p)
			}
		})
	}
}

// props returns the Properties of resource id in the nested template of app ("" = parent).
func props(a *App, app, id string) map[string]any {
	tpl := a.Parent
	if app != "" {
		tpl = a.Nested[app]
	}
	return mapAt(tpl.Section("Resources")[id], "Properties")
}

func env(a *App, app, fn string) map[string]any {
	return mapAt(props(a, app, fn), "Environment", "Variables")
}

// Each check must notice the faults it is there for: break a fresh copy of the real templates
// and expect a problem that names the fault.
func TestChecksCatchBrokenTemplates(t *testing.T) {
	tests := []struct {
		name   string
		check  func(*App) []string
		break_ func(a *App)
		want   string
	}{
		{"TLS off", checkMemoryDB, func(a *App) { props(a, "NetworkStack", "Cluster")["TLSEnabled"] = false }, "TLSEnabled = false"},
		{"TLS as a string", checkMemoryDB, func(a *App) { props(a, "NetworkStack", "Cluster")["TLSEnabled"] = "true" }, "TLSEnabled = true, want true"},
		{"redis with the valkey parameter group", checkMemoryDB, func(a *App) {
			mapAt(a.Nested["NetworkStack"].Doc, "Mappings", "EngineSettings", "redis")["ParameterGroupName"] = "default.memorydb-valkey7"
		}, "inconsistent with engine redis"},
		{"ACL missing a user", checkMemoryDB, func(a *App) {
			props(a, "NetworkStack", "ACL")["UserNames"] = []any{map[string]any{"Ref": "WriterUser"}}
		}, "want every user"},
		{"reader may write", checkCredentials, func(a *App) {
			join := mapAt(props(a, "NetworkStack", "ReaderUser")["AccessString"])["Fn::Join"].([]any)
			parts := join[1].([]any)
			parts[2] = "}:* -@all +@read +@write -@dangerous +evalsha_ro +eval_ro +ping +hello +readonly +cluster|slots +cluster|shards"
		}, "ReaderUser.AccessString"},
		{"access string with a fixed board", checkCredentials, func(a *App) {
			u := props(a, "NetworkStack", "WriterUser")
			u["AccessString"] = map[string]any{"Fn::Sub": "on " + store.WriterAccess("hashtags")}
		}, `BoardNames "aws,golang"`},
		{"ingest gets the reader's secret", checkCredentials, func(a *App) {
			mapAt(a.Parent.Section("Resources")["IngestStack"], "Properties", "Parameters")["MemoryDBSecretArn"] =
				map[string]any{"Fn::GetAtt": []any{"NetworkStack", "Outputs.ReaderSecretArn"}}
		}, "connect as the same user"},
		{"secret username differs from the user", checkCredentials, func(a *App) {
			mapAt(props(a, "NetworkStack", "WriterSecret"), "GenerateSecretString")["SecretStringTemplate"] =
				map[string]any{"Fn::Sub": `{"username":"${AppName}-ingest"}`}
		}, "differs from user WriterUser"},
		{"password with slashes", checkCredentials, func(a *App) {
			delete(mapAt(props(a, "NetworkStack", "ReaderSecret"), "GenerateSecretString"), "ExcludePunctuation")
		}, `"/" not in ExcludeCharacters`},
		{"password too short", checkCredentials, func(a *App) {
			mapAt(props(a, "NetworkStack", "ReaderSecret"), "GenerateSecretString")["PasswordLength"] = 12
		}, "PasswordLength 12"},
		{"the function serves other boards than the users reach", checkCredentials, func(a *App) {
			mapAt(a.Parent.Section("Resources")["LeaderboardStack"], "Properties", "Parameters")["BoardNames"] = "other"
		}, "LeaderboardStack's BOARD_NAMES"},
		{"the users reach other boards", checkCredentials, func(a *App) {
			mapAt(a.Parent.Section("Resources")["NetworkStack"], "Properties", "Parameters")["BoardNames"] = "hashtags,other"
		}, "NetworkStack's BoardNames"},
		{"the function's boards are not the parent's", checkCredentials, func(a *App) {
			mapAt(a.Parent.Section("Resources")["IngestStack"], "Properties", "Parameters")["Boards"] = `{"other": "#other"}`
		}, "IngestStack's BOARDS"},
		{"default boards differ", checkParentParameters, func(a *App) {
			a.Parent.Parameter("BoardNames")["Default"] = "aws"
		}, "does not name the default BoardNames"},
		{"password in the environment", checkNoSecretValues, func(a *App) {
			env(a, "LeaderboardStack", "LeaderboardFunction")["MEMORYDB_PASSWORD"] = "hunter2hunter2hunter2"
		}, "MEMORYDB_PASSWORD is a local-only stand-in"},
		{"secret ARN as a literal", checkNoSecretValues, func(a *App) {
			env(a, "IngestStack", "IngestFunction")["X_SECRET_ARN"] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf"
		}, "X_SECRET_ARN must be a reference"},
		{"dynamic reference in the environment", checkNoSecretValues, func(a *App) {
			env(a, "IngestStack", "IngestFunction")["BOARDS"] = map[string]any{"Fn::Sub": "{{resolve:secretsmanager:${MemoryDBSecretArn}:SecretString:password}}"}
		}, "dynamic reference outside"},
		{"token parameter", checkNoSecretValues, func(a *App) {
			a.Parent.Section("Parameters")["XBearerToken"] = map[string]any{"Type": "String", "NoEcho": true, "Description": "x"}
		}, "XBearerToken is named like a credential"},
		{"password output", checkNoSecretValues, func(a *App) {
			a.Nested["NetworkStack"].Section("Outputs")["WriterPassword"] = map[string]any{
				"Value": map[string]any{"Fn::Sub": "{{resolve:secretsmanager:${WriterSecret}:SecretString:password}}"}}
		}, "WriterPassword is named like a credential"},
		{"x86", checkFunctions, func(a *App) {
			props(a, "IngestStack", "IngestFunction")["Architectures"] = []any{"x86_64"}
		}, "Architectures"},
		{"plain go build", checkFunctions, func(a *App) {
			mapAt(a.Nested["LeaderboardStack"].Section("Resources")["LeaderboardFunction"], "Metadata")["BuildMethod"] = "go1.x"
		}, "Metadata.BuildMethod = go1.x, want makefile"},
		{"no build metadata", checkFunctions, func(a *App) {
			delete(a.Nested["IngestStack"].Section("Resources")["IngestFunction"].(map[string]any), "Metadata")
		}, "IngestFunction: Metadata.BuildMethod = <nil>"},
		{"cluster mode off", checkFunctions, func(a *App) {
			env(a, "IngestStack", "IngestFunction")["MEMORYDB_CLUSTER"] = "false"
		}, `MEMORYDB_CLUSTER = false, want "true"`},
		{"tracing off", checkFunctions, func(a *App) {
			props(a, "LeaderboardStack", "LeaderboardFunction")["Tracing"] = "PassThrough"
		}, "Tracing = PassThrough"},
		{"old runtime", checkFunctions, func(a *App) {
			props(a, "IngestStack", "IngestFunction")["Runtime"] = "go1.x"
		}, "Runtime = go1.x"},
		{"text logs", checkFunctions, func(a *App) {
			mapAt(props(a, "IngestStack", "IngestFunction"), "LoggingConfig")["LogFormat"] = "Text"
		}, "LogFormat = Text"},
		{"renamed environment variable", checkFunctions, func(a *App) {
			e := env(a, "LeaderboardStack", "LeaderboardFunction")
			e["CACHE_TTL_SECONDS"] = e["CACHE_TTL"]
			delete(e, "CACHE_TTL")
		}, "environment"},
		{"wildcard secret", checkPolicies, func(a *App) {
			pol := props(a, "IngestStack", "IngestFunction")["Policies"].([]any)
			pol[0] = map[string]any{"AWSSecretsManagerGetSecretValuePolicy": map[string]any{"SecretArn": "*"}}
		}, `grants "*"`},
		{"managed policy", checkPolicies, func(a *App) {
			p := props(a, "LeaderboardStack", "LeaderboardFunction")
			p["Policies"] = append(p["Policies"].([]any), "SecretsManagerReadWrite")
		}, "no managed policies"},
		{"secret not granted", checkPolicies, func(a *App) {
			p := props(a, "IngestStack", "IngestFunction")
			p["Policies"] = p["Policies"].([]any)[:1]
		}, "may read secrets"},
		{"unused parameter", checkUnused, func(a *App) {
			a.Nested["IngestStack"].Section("Parameters")["Spare"] = map[string]any{"Type": "String", "Description": "x"}
		}, "Parameters Spare is not used"},
		{"unused condition", checkUnused, func(a *App) {
			a.Nested["NetworkStack"].Section("Conditions")["Never"] = map[string]any{"Fn::Equals": []any{"a", "b"}}
		}, "Conditions Never is not used"},
		{"parameter not passed", checkNestedParameters, func(a *App) {
			delete(mapAt(a.Parent.Section("Resources")["NetworkStack"], "Properties", "Parameters"), "NatGateways")
		}, "does not pass parameter NatGateways"},
		{"unknown parameter passed", checkNestedParameters, func(a *App) {
			mapAt(a.Parent.Section("Resources")["IngestStack"], "Properties", "Parameters")["Bogus"] = "x"
		}, "passes Bogus"},
		{"missing nested output", checkNestedParameters, func(a *App) {
			delete(a.Nested["NetworkStack"].Section("Outputs"), "ReaderSecretArn")
		}, "NetworkStack.Outputs.ReaderSecretArn does not exist"},
		{"parent output of a missing nested output", checkParentOutputs, func(a *App) {
			delete(a.Nested["LeaderboardStack"].Section("Outputs"), "FunctionUrl")
		}, "LeaderboardStack.Outputs.FunctionUrl does not exist"},
		{"dangling Ref", checkReferences, func(a *App) {
			env(a, "IngestStack", "IngestFunction")["BOARDS"] = map[string]any{"Ref": "Leaderboard"}
		}, `Ref to unknown "Leaderboard"`},
		{"cluster open to a CIDR", checkNetwork, func(a *App) {
			sg := props(a, "NetworkStack", "MemoryDBSecurityGroup")
			sg["SecurityGroupIngress"] = append(sg["SecurityGroupIngress"].([]any),
				map[string]any{"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379, "CidrIp": "10.40.0.0/16"})
		}, "want tcp 6379 from a function's security group only"},
		{"function without access", checkNetwork, func(a *App) {
			sg := props(a, "NetworkStack", "MemoryDBSecurityGroup")
			sg["SecurityGroupIngress"] = sg["SecurityGroupIngress"].([]any)[:1]
		}, "does not admit LeaderboardFunction"},
		{"function in a public subnet", checkNetwork, func(a *App) {
			props(a, "NetworkStack", "PrivateSubnetARouteTable")["RouteTableId"] = map[string]any{"Ref": "PublicRouteTable"}
		}, "PrivateSubnetA has no default route through a NAT gateway"},
		{"engine default", checkParentParameters, func(a *App) { a.Parent.Parameter("Engine")["Default"] = "redis" }, "Engine default = redis"},
		{"retention not CloudWatch's", checkParentParameters, func(a *App) {
			a.Parent.Parameter("LogRetentionDays")["AllowedValues"] = []any{1, 2, 3}
		}, "LogRetentionDays AllowedValues"},
		{"no CORS HEAD", checkLeaderboardURL, func(a *App) {
			mapAt(props(a, "LeaderboardStack", "LeaderboardFunction"), "FunctionUrlConfig", "Cors")["AllowMethods"] = []any{"GET"}
		}, "AllowMethods"},
		{"public URL without invoke permission", checkLeaderboardURL, func(a *App) {
			delete(a.Nested["LeaderboardStack"].Section("Resources"), "LeaderboardFunctionUrlPublicInvoke")
		}, "no public lambda:InvokeFunction permission"},
		{"ingest always reserves", checkReservations, func(a *App) {
			props(a, "IngestStack", "IngestFunction")["ReservedConcurrentExecutions"] = 1
		}, "IngestFunction: ReservedConcurrentExecutions = 1, want !If"},
		{"leaderboard reserves by default", checkReservations, func(a *App) {
			a.Parent.Parameter("LeaderboardReservedConcurrency")["Default"] = 10
		}, "LeaderboardReservedConcurrency Default 10, want 0"},
		{"reservation not passed", checkReservations, func(a *App) {
			mapAt(a.Parent.Section("Resources")["IngestStack"], "Properties", "Parameters")["ReservedConcurrency"] = 1
		}, "IngestStack.ReservedConcurrency = 1, want !Ref IngestReservedConcurrency"},
		{"reservation of 0 kept", checkReservations, func(a *App) {
			a.Nested["LeaderboardStack"].Section("Conditions")["HasReservedConcurrency"] = map[string]any{"Fn::Equals": []any{"a", "a"}}
		}, `condition "HasReservedConcurrency"`},
		{"schedule without DLQ", checkIngestSchedule, func(a *App) {
			delete(mapAt(props(a, "IngestStack", "IngestFunction"), "Events", "Schedule", "Properties"), "DeadLetterConfig")
		}, "no DeadLetterConfig"},
		{"no final snapshot", checkDataOnDelete, func(a *App) {
			delete(props(a, "NetworkStack", "Cluster"), "FinalSnapshotName")
		}, "Cluster.FinalSnapshotName = null"},
		{"final snapshot always", checkDataOnDelete, func(a *App) {
			props(a, "NetworkStack", "Cluster")["FinalSnapshotName"] = map[string]any{"Fn::Sub": "${AppName}-final"}
		}, "want !If"},
		{"snapshot choice not the parent's", checkDataOnDelete, func(a *App) {
			mapAt(a.Parent.Section("Resources")["NetworkStack"], "Properties", "Parameters")["FinalSnapshot"] = "false"
		}, `NetworkStack.FinalSnapshot = "false", want a !Ref`},
		{"no snapshot by default", checkDataOnDelete, func(a *App) { a.Parent.Parameter("FinalSnapshot")["Default"] = "false" }, "FinalSnapshot Default false"},
		{"secret deleted by default", checkDataOnDelete, func(a *App) {
			delete(a.Nested["NetworkStack"].Section("Resources")["ReaderSecret"].(map[string]any), "DeletionPolicy")
		}, "ReaderSecret (AWS::SecretsManager::Secret) has no DeletionPolicy"},
		{"log group replaced by default", checkDataOnDelete, func(a *App) {
			delete(a.Nested["LeaderboardStack"].Section("Resources")["LeaderboardLogGroup"].(map[string]any), "UpdateReplacePolicy")
		}, "LeaderboardLogGroup (AWS::Logs::LogGroup) has no UpdateReplacePolicy"},
		{"no errors alarm", checkIngestSchedule, func(a *App) {
			delete(a.Nested["IngestStack"].Section("Resources"), "IngestErrorsAlarm")
		}, "no CloudWatch alarm"},
		{"no budget alarm", checkIngestSchedule, func(a *App) {
			delete(a.Nested["IngestStack"].Section("Resources"), "IngestBudgetAlarm")
		}, "no CloudWatch alarm on HashtagLeaderboard BudgetRemaining"},
		{"budget alarm to no topic", checkIngestSchedule, func(a *App) {
			props(a, "IngestStack", "IngestBudgetAlarm")["AlarmActions"] = []any{}
		}, "want the errors alarm's"},
		{"no rate-limited alarm", checkIngestSchedule, func(a *App) {
			delete(a.Nested["IngestStack"].Section("Resources"), "IngestRateLimitedAlarm")
		}, "no CloudWatch alarm on HashtagLeaderboard RateLimited"},
		{"rate-limited alarm on any limited run", checkIngestSchedule, func(a *App) {
			props(a, "IngestStack", "IngestRateLimitedAlarm")["Statistic"] = "Maximum"
		}, "want Minimum >= 1 over an hour"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := loadApp(t)
			// Other problems of the real templates are TestTemplates' to report; here only
			// the broken one matters.
			for _, p := range tc.check(a) {
				if strings.Contains(p, tc.want) {
					t.Fatalf("the unbroken templates already have the problem: %s", p)
				}
			}
			tc.break_(a)
			probs := tc.check(a)
			for _, p := range probs {
				if strings.Contains(p, tc.want) {
					return
				}
			}
			t.Errorf("no problem mentions %q; got %q", tc.want, probs)
		})
	}
}

// The BoardNames pattern of the parent and of the network stack (applied by CloudFormation to
// each name of the list) accepts exactly the names the core accepts.
func TestBoardNamesPatternMatchesStore(t *testing.T) {
	a := loadApp(t)
	for where, tpl := range map[string]*Template{"template.yaml": a.Parent, "nested/network.yaml": a.Nested["NetworkStack"]} {
		p := tpl.Parameter("BoardNames")
		pattern, _ := p["AllowedPattern"].(string)
		re, err := regexp.Compile(pattern)
		if err != nil || p["Type"] != "CommaDelimitedList" {
			t.Fatalf("%s: BoardNames %v, AllowedPattern %q: %v", where, p["Type"], pattern, err)
		}
		names := []string{"hashtags", "a", "A.b-c_9", strings.Repeat("x", 64), strings.Repeat("x", 65), "",
			"with space", " lead", "brace{", "star*", "q?", "[x]", "slash/", "colon:", "ünï", "tab\t"}
		for _, name := range names {
			_, storeErr := store.New(nil, name)
			if got, want := re.MatchString(name), storeErr == nil; got != want {
				t.Errorf("%s: name %q: template pattern accepts=%v, store.New accepts=%v", where, name, got, want)
			}
		}
	}
}
