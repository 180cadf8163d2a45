package templatetest

import (
	"reflect"
	"strings"
	"testing"
)

func TestDecodeShortForms(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want any
	}{
		{"Ref", "v: !Ref Param", map[string]any{"Ref": "Param"}},
		{"GetAtt dotted", "v: !GetAtt Stack.Outputs.Url", map[string]any{"Fn::GetAtt": []any{"Stack", "Outputs.Url"}}},
		{"GetAtt list", "v: !GetAtt [Queue, Arn]", map[string]any{"Fn::GetAtt": []any{"Queue", "Arn"}}},
		{"Sub string", "v: !Sub 'on ~{${Name}}:*'", map[string]any{"Fn::Sub": "on ~{${Name}}:*"}},
		{"Sub list", "v: !Sub ['${a}', {a: !Ref B}]", map[string]any{"Fn::Sub": []any{"${a}", map[string]any{"a": map[string]any{"Ref": "B"}}}}},
		{"If nested", "v: !If [C, !Ref A, !Ref AWS::NoValue]", map[string]any{"Fn::If": []any{"C", map[string]any{"Ref": "A"}, map[string]any{"Ref": "AWS::NoValue"}}}},
		{"Select GetAZs", `v: !Select [0, !GetAZs ""]`, map[string]any{"Fn::Select": []any{0, map[string]any{"Fn::GetAZs": ""}}}},
		{"Equals Not", "v: !Not [!Equals [!Ref X, '']]", map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "X"}, ""}}}}},
		{"Condition", "v: !Condition IsProd", map[string]any{"Condition": "IsProd"}},
		{"rule Contains", "v: !Contains [[a, b], !Ref AWS::Region]", map[string]any{"Fn::Contains": []any{[]any{"a", "b"}, map[string]any{"Ref": "AWS::Region"}}}},
		{"long form kept", "v: {Fn::Join: [',', [a, b]]}", map[string]any{"Fn::Join": []any{",", []any{"a", "b"}}}},
		{"plain scalars typed", "v: [true, 'true', 6379, 1.5, null, x]", []any{true, "true", 6379, 1.5, nil, "x"}},
		{"alias", "a: &x {k: 1}\nv: *x", map[string]any{"k": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Decode([]byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(doc["v"], tc.want) {
				t.Errorf("got %#v\nwant %#v", doc["v"], tc.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"unknown tag", "v: !Reff X", "unknown tag !Reff"},
		{"GetAtt without attribute", "v: !GetAtt Queue", "want Resource.Attribute"},
		{"duplicate key", "a: 1\na: 2", `duplicate key "a"`},
		{"not a mapping", "- a", "want a mapping"},
		{"bad yaml", "a: [", "parse yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestRenderSub(t *testing.T) {
	values := map[string]string{"LeaderboardName": "hashtags", "AWS::Region": "us-east-1", "X.Outputs.Url": "https://u/"}
	tests := []struct{ tmpl, want, wantErr string }{
		{tmpl: "on ~{${LeaderboardName}}:* -@all", want: "on ~{hashtags}:* -@all"},
		{tmpl: "${AWS::Region}/${ LeaderboardName }", want: "us-east-1/hashtags"},
		{tmpl: "${X.Outputs.Url}?format=html", want: "https://u/?format=html"},
		{tmpl: "literal ${!NotAVariable} stays", want: "literal ${NotAVariable} stays"},
		{tmpl: "no variables", want: "no variables"},
		{tmpl: "${Missing}-${LeaderboardName}-${Other}", wantErr: "no value for Missing, Other"},
	}
	for _, tc := range tests {
		got, err := RenderSub(tc.tmpl, values)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("RenderSub(%q) error %v, want %q", tc.tmpl, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("RenderSub(%q) = %q, %v; want %q", tc.tmpl, got, err, tc.want)
		}
	}
	if got := SubVariables("a ${B} ${!C} ${D.E}"); !reflect.DeepEqual(got, []string{"B", "D.E"}) {
		t.Errorf("SubVariables = %v, want [B D.E]", got)
	}
}
