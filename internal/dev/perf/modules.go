package perf

import (
	"maps"
	"slices"
	"strings"
)

// byModule sums the packages by module, largest first.
func byModule(pkgs map[string]*Package, versions map[string]string) []ModuleSize {
	m := map[string]*ModuleSize{}
	for _, p := range pkgs {
		ms := m[p.Module]
		if ms == nil {
			ms = &ModuleSize{Module: p.Module, Version: versions[p.Module]}
			m[p.Module] = ms
		}
		ms.Packages++
		ms.Estimated += p.Estimated
	}
	var out []ModuleSize
	for _, ms := range m {
		out = append(out, *ms)
	}
	slices.SortFunc(out, func(a, b ModuleSize) int {
		if a.Estimated != b.Estimated {
			return int(b.Estimated - a.Estimated)
		}
		return strings.Compare(a.Module, b.Module)
	})
	return out
}

// dropCosts returns, for each module the main module's packages import directly, what would
// no longer be linked without it: the packages reachable from the main package only through
// that module's packages.
func dropCosts(pkgs map[string]*Package, mainPkg string) []DropCost {
	mainModule := pkgs[mainPkg].Module
	direct := map[string]bool{}
	for _, p := range pkgs {
		if p.Module != mainModule {
			continue
		}
		for _, imp := range p.Imports {
			if q, ok := pkgs[imp]; ok && q.Module != mainModule && q.Module != "std" {
				direct[q.Module] = true
			}
		}
	}
	all := reach(pkgs, mainPkg, "")
	var out []DropCost
	for mod := range direct {
		kept := reach(pkgs, mainPkg, mod)
		d := DropCost{Module: mod}
		gone := map[string]bool{}
		for p := range all {
			if !kept[p] {
				d.Estimated += pkgs[p].Estimated
				d.Packages++
				gone[pkgs[p].Module] = true
			}
		}
		// A module goes entirely when none of its packages is kept.
		for p := range kept {
			delete(gone, pkgs[p].Module)
		}
		delete(gone, mod)
		d.Modules = append([]string{mod}, slices.Sorted(maps.Keys(gone))...)
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b DropCost) int {
		if a.Estimated != b.Estimated {
			return int(b.Estimated - a.Estimated)
		}
		return strings.Compare(a.Module, b.Module)
	})
	return out
}

// reach returns the packages reachable from root without entering packages of module skip.
func reach(pkgs map[string]*Package, root, skip string) map[string]bool {
	seen := map[string]bool{}
	stack := []string{root}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[p] {
			continue
		}
		pkg, ok := pkgs[p]
		if !ok || (skip != "" && pkg.Module == skip) {
			continue
		}
		seen[p] = true
		stack = append(stack, pkg.Imports...)
	}
	return seen
}
