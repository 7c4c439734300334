package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite auth.json and api.json from src/")

// TestGenerated checks that the served documents are the ones src/ makes,
// and that they are valid OpenAPI 3.1; with -update it rewrites them.
func TestGenerated(t *testing.T) {
	for name, served := range map[string][]byte{"auth": auth, "api": api} {
		t.Run(name, func(t *testing.T) {
			doc, err := generate(name)
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.WriteFile(name+".json", doc, 0o644); err != nil {
					t.Fatal(err)
				}
			} else if !bytes.Equal(served, doc) {
				t.Fatalf("%s.json is not what src/ makes: run go generate ./openapi", name)
			}
			loader := openapi3.NewLoader()
			spec, err := loader.LoadFromData(doc)
			if err != nil {
				t.Fatal(err)
			}
			if !spec.IsOpenAPI31OrLater() {
				t.Errorf("%s.json is OpenAPI %s, want 3.1", name, spec.OpenAPI)
			}
			if err := spec.Validate(context.Background()); err != nil {
				t.Fatalf("%s.json: %v", name, err)
			}
		})
	}
}

// generate makes one service's document from src/: its own file with the
// x-anchors key dropped, the path items it borrows from another file
// (proxied routes) copied in, a 500 and a 503 answer on each operation, and the components of src/components.yaml
// merged into its own, keeping only those it refers to.
func generate(service string) ([]byte, error) {
	doc, err := load(service + ".yaml")
	if err != nil {
		return nil, err
	}
	delete(doc, "x-anchors")
	if err := borrowPaths(doc); err != nil {
		return nil, err
	}
	addInternal(doc)
	shared, err := load("components.yaml")
	if err != nil {
		return nil, err
	}
	own, _ := doc["components"].(map[string]any)
	if own == nil {
		own = map[string]any{}
	}
	for kind, set := range shared {
		mine, _ := own[kind].(map[string]any)
		if mine == nil {
			mine = map[string]any{}
		}
		for name, v := range set.(map[string]any) {
			if _, dup := mine[name]; dup {
				return nil, fmt.Errorf("%s: components/%s/%s is also in components.yaml", service, kind, name)
			}
			mine[name] = v
		}
		own[kind] = mine
	}
	doc["components"] = prune(doc, own)
	out, err := json.MarshalIndent(doc, "", "  ")
	return append(out, '\n'), err
}

// load reads a YAML file of src/ as JSON values.
func load(name string) (map[string]any, error) {
	y, err := os.ReadFile(filepath.Join("src", name))
	if err != nil {
		return nil, err
	}
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var v map[string]any
	return v, json.Unmarshal(j, &v)
}

// borrowPaths replaces each path item {$ref: FILE#/paths/PATH} with a copy
// of that path item of FILE, and adds to each of its operations a 503
// answer, which the API gives when the auth service does not answer. An
// x-mux-pattern next to the $ref (the API proxying a whole subtree) goes
// on each operation.
func borrowPaths(doc map[string]any) error {
	for path, item := range doc["paths"].(map[string]any) {
		ref, _ := item.(map[string]any)["$ref"].(string)
		file, pointer, ok := strings.Cut(ref, "#/paths/")
		if !ok {
			continue
		}
		src, err := load(file)
		if err != nil {
			return err
		}
		from := strings.NewReplacer("~1", "/", "~0", "~").Replace(pointer)
		borrowed, ok := src["paths"].(map[string]any)[from].(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %s: no such path", path, ref)
		}
		pattern, hasPattern := item.(map[string]any)["x-mux-pattern"]
		for _, op := range operations(borrowed) {
			if hasPattern {
				op["x-mux-pattern"] = pattern
			}
			responses, ok := op["responses"].(map[string]any)
			if _, has := responses["503"]; ok && !has {
				responses["503"] = map[string]any{"$ref": "#/components/responses/Unavailable"}
			}
		}
		doc["paths"].(map[string]any)[path] = borrowed
	}
	return nil
}

// addInternal adds a 500 answer to each operation that has no default
// answer: any of them can fail inside; and a 503 where none is written:
// any of them may find its database unreachable (database_unavailable).
func addInternal(doc map[string]any) {
	for _, item := range doc["paths"].(map[string]any) {
		for _, op := range operations(item.(map[string]any)) {
			responses, ok := op["responses"].(map[string]any)
			_, hasDefault := responses["default"]
			if ok && !hasDefault {
				responses["500"] = map[string]any{"$ref": "#/components/responses/Internal"}
				if _, ok := responses["503"]; !ok {
					responses["503"] = map[string]any{"$ref": "#/components/responses/Unavailable"}
				}
			}
		}
	}
}

// operations returns the operations of a path item (its fields that are
// objects: not its parameters, summary or description).
func operations(item map[string]any) []map[string]any {
	var ops []map[string]any
	for _, v := range item {
		if op, ok := v.(map[string]any); ok {
			ops = append(ops, op)
		}
	}
	return ops
}

// prune returns the components doc refers to, directly or through other
// components, and the security schemes its operations name.
func prune(doc map[string]any, all map[string]any) map[string]any {
	kept := map[string]any{}
	keep := func(kind, name string) bool {
		set, _ := all[kind].(map[string]any)
		v, ok := set[name]
		if !ok {
			return false
		}
		mine, _ := kept[kind].(map[string]any)
		if mine == nil {
			mine = map[string]any{}
			kept[kind] = mine
		}
		if _, seen := mine[name]; seen {
			return false
		}
		mine[name] = v
		return true
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				switch x := v[k].(type) {
				case string:
					if kind, name, ok := strings.Cut(strings.TrimPrefix(x, "#/components/"), "/"); k == "$ref" && ok && keep(kind, name) {
						walk(all[kind].(map[string]any)[name])
					}
				case []any:
					if k == "security" {
						for _, req := range x {
							for scheme := range req.(map[string]any) {
								keep("securitySchemes", scheme)
							}
						}
					}
				}
				walk(v[k])
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	rest := maps.Clone(doc)
	delete(rest, "components")
	walk(rest)
	return kept
}
