// Package templatetest owns the checks of the SAM application's templates (template.yaml and
// nested/*.yaml): it loads them as CloudFormation reads them, short-form intrinsics (!Ref,
// !Sub, !GetAtt, ...) included, and its tests assert what cfn-lint cannot know: TLS on the
// MemoryDB cluster, the MemoryDB access strings equal to the core's (internal/store), no secret
// value in parameters, environment or outputs, secrets permissions scoped to the secrets'
// ARNs, the runtime settings of every function, the wiring of the nested stacks, and the
// events/ and samconfig.toml files the SAM CLI reads. It also runs what `sam build` runs for each
// function (BuildMethod makefile) and checks the bootstraps, evaluates the Regions rules per
// Region, checks every stateful resource's deletion policies and the final MemoryDB snapshot,
// and every name derived from the longest AppName against its AWS limit. cfn-lint lints the
// templates for every supported Region, informational rules included.
package templatetest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Template is one CloudFormation/SAM template, decoded into plain Go values: maps
// (map[string]any), lists ([]any), strings, bools, ints, floats and nil. Intrinsic functions
// appear in their long form ({"Ref": x}, {"Fn::Sub": x}, {"Fn::GetAtt": [resource, attribute]}),
// whichever form the file used.
type Template struct {
	Path string         // as given to Load
	Doc  map[string]any // the whole document
}

// Resource is one entry of a template's Resources.
type Resource struct {
	Type       string
	Condition  string
	Properties map[string]any
	Metadata   map[string]any
}

// Load reads and decodes the template at path.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load template: %w", err)
	}
	doc, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("load template %s: %w", path, err)
	}
	return &Template{Path: path, Doc: doc}, nil
}

// Decode decodes one YAML template document into plain values with long-form intrinsics.
func Decode(data []byte) (map[string]any, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("parse yaml: %w", err)
	}
	v, err := convert(&root)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template is a %T, want a mapping", v)
	}
	return m, nil
}

// shortTags maps each CloudFormation short-form tag to its long-form key.
var shortTags = map[string]string{
	"!Ref":          "Ref",
	"!Condition":    "Condition",
	"!Sub":          "Fn::Sub",
	"!GetAtt":       "Fn::GetAtt",
	"!If":           "Fn::If",
	"!Equals":       "Fn::Equals",
	"!Not":          "Fn::Not",
	"!And":          "Fn::And",
	"!Or":           "Fn::Or",
	"!Join":         "Fn::Join",
	"!Select":       "Fn::Select",
	"!Split":        "Fn::Split",
	"!FindInMap":    "Fn::FindInMap",
	"!GetAZs":       "Fn::GetAZs",
	"!ImportValue":  "Fn::ImportValue",
	"!Base64":       "Fn::Base64",
	"!Cidr":         "Fn::Cidr",
	"!Transform":    "Fn::Transform",
	"!Length":       "Fn::Length",
	"!ToJsonString": "Fn::ToJsonString",
	// Rule-specific functions (the Rules section only).
	"!Contains":         "Fn::Contains",
	"!EachMemberEquals": "Fn::EachMemberEquals",
	"!EachMemberIn":     "Fn::EachMemberIn",
	"!RefAll":           "Fn::RefAll",
	"!ValueOf":          "Fn::ValueOf",
	"!ValueOfAll":       "Fn::ValueOfAll",
}

func convert(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, fmt.Errorf("line %d: want one YAML document, got %d", n.Line, len(n.Content))
		}
		return convert(n.Content[0])
	case yaml.AliasNode:
		return convert(n.Alias)
	}
	tag := n.Tag
	if strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		key, ok := shortTags[tag]
		if !ok {
			return nil, fmt.Errorf("line %d: unknown tag %s", n.Line, tag)
		}
		var v any
		if n.Kind == yaml.ScalarNode {
			v = n.Value
			if key == "Fn::GetAtt" {
				// !GetAtt Resource.Attribute(.More): the resource name has no dot.
				res, attr, found := strings.Cut(n.Value, ".")
				if !found {
					return nil, fmt.Errorf("line %d: !GetAtt %q: want Resource.Attribute", n.Line, n.Value)
				}
				v = []any{res, attr}
			}
		} else {
			plain := *n
			plain.Tag = ""
			var err error
			if v, err = convert(&plain); err != nil {
				return nil, err
			}
		}
		return map[string]any{key: v}, nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: mapping key is not a scalar", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			v, err := convert(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := convert(c)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node kind %v", n.Line, n.Kind)
}

// Section returns the named top-level mapping (Parameters, Resources, ...), empty when absent.
func (t *Template) Section(name string) map[string]any {
	m, _ := t.Doc[name].(map[string]any)
	if m == nil {
		return map[string]any{}
	}
	return m
}

// Parameter returns the named parameter's definition, nil when absent.
func (t *Template) Parameter(name string) map[string]any {
	m, _ := t.Section("Parameters")[name].(map[string]any)
	return m
}

// Resources returns the template's resources by logical id.
func (t *Template) Resources() map[string]Resource {
	out := map[string]Resource{}
	for id, v := range t.Section("Resources") {
		m, _ := v.(map[string]any)
		r := Resource{}
		r.Type, _ = m["Type"].(string)
		r.Condition, _ = m["Condition"].(string)
		r.Properties, _ = m["Properties"].(map[string]any)
		if r.Properties == nil {
			r.Properties = map[string]any{}
		}
		r.Metadata, _ = m["Metadata"].(map[string]any)
		out[id] = r
	}
	return out
}

// ResourcesOfType returns the logical ids of the resources of type typ, sorted.
func (t *Template) ResourcesOfType(typ string) []string {
	var ids []string
	for id, r := range t.Resources() {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// Dir is the directory of the template, against which SAM resolves relative paths.
func (t *Template) Dir() string { return filepath.Dir(t.Path) }

// Ref returns the target of {"Ref": target}.
func Ref(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	s, ok := m["Ref"].(string)
	return s, ok
}

// GetAtt returns the resource and attribute of {"Fn::GetAtt": [resource, attribute]} (also
// accepting the "resource.attribute" string form).
func GetAtt(v any) (resource, attribute string, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", "", false
	}
	switch a := m["Fn::GetAtt"].(type) {
	case []any:
		if len(a) != 2 {
			return "", "", false
		}
		r, ok1 := a[0].(string)
		at, ok2 := a[1].(string)
		return r, at, ok1 && ok2
	case string:
		r, at, found := strings.Cut(a, ".")
		return r, at, found
	}
	return "", "", false
}

// Sub returns the template string and the variable map of {"Fn::Sub": s} or
// {"Fn::Sub": [s, {vars}]}.
func Sub(v any) (tmpl string, vars map[string]any, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", nil, false
	}
	switch a := m["Fn::Sub"].(type) {
	case string:
		return a, map[string]any{}, true
	case []any:
		if len(a) != 2 {
			return "", nil, false
		}
		s, ok1 := a[0].(string)
		vm, ok2 := a[1].(map[string]any)
		return s, vm, ok1 && ok2
	}
	return "", nil, false
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

// SubVariables returns the variable names a Fn::Sub template string uses (not the ${!literal}
// escapes), in order of appearance.
func SubVariables(tmpl string) []string {
	var names []string
	for _, m := range subVar.FindAllStringSubmatch(tmpl, -1) {
		if strings.HasPrefix(m[1], "!") {
			continue
		}
		names = append(names, strings.TrimSpace(m[1]))
	}
	return names
}

// RenderSub renders a Fn::Sub template string with values for its variables, as CloudFormation
// does: ${Name} is replaced, ${!Literal} becomes ${Literal}. A variable without a value is an
// error naming it.
func RenderSub(tmpl string, values map[string]string) (string, error) {
	var missing []string
	out := subVar.ReplaceAllStringFunc(tmpl, func(s string) string {
		name := s[2 : len(s)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		v, ok := values[strings.TrimSpace(name)]
		if !ok {
			missing = append(missing, name)
			return s
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("render %q: no value for %s", tmpl, strings.Join(missing, ", "))
	}
	return out, nil
}

// Walk calls fn for every value under v, depth first, with its slash-separated path below
// prefix.
func Walk(prefix string, v any, fn func(path string, v any)) {
	fn(prefix, v)
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			Walk(prefix+"/"+k, x[k], fn)
		}
	case []any:
		for i, e := range x {
			Walk(fmt.Sprintf("%s/%d", prefix, i), e, fn)
		}
	}
}

// App is the SAM application: the parent template and its nested templates.
type App struct {
	Root   string               // directory of the parent template
	Parent *Template            // template.yaml
	Nested map[string]*Template // by the logical id of their AWS::Serverless::Application
}

// LoadApp loads root/template.yaml and every nested template its AWS::Serverless::Application
// resources name with a local Location.
func LoadApp(root string) (*App, error) {
	parent, err := Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		return nil, err
	}
	app := &App{Root: root, Parent: parent, Nested: map[string]*Template{}}
	for _, id := range parent.ResourcesOfType("AWS::Serverless::Application") {
		loc, ok := parent.Resources()[id].Properties["Location"].(string)
		if !ok {
			return nil, fmt.Errorf("load app: %s: Location is not a local path", id)
		}
		t, err := Load(filepath.Join(parent.Dir(), loc))
		if err != nil {
			return nil, fmt.Errorf("load app: %s: %w", id, err)
		}
		app.Nested[id] = t
	}
	return app, nil
}

// Templates returns the parent and the nested templates, the parent first, then by app id.
func (a *App) Templates() []*Template {
	ids := make([]string, 0, len(a.Nested))
	for id := range a.Nested {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := []*Template{a.Parent}
	for _, id := range ids {
		out = append(out, a.Nested[id])
	}
	return out
}
