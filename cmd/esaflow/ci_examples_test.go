package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestCIExamplesRun runs the esaflow command lines of the CI examples in
// docs/ci, in a directory laid out as they expect (captures/ holding a
// recorded capture and the expectations --init wrote for it): each must
// pass and leave the JUnit file the CI reads; the install line must name
// this module.
func TestCIExamplesRun(t *testing.T) {
	for _, example := range []string{"../../docs/ci/github-actions.yml", "../../docs/ci/gitlab-ci.yml"} {
		data, err := os.ReadFile(example)
		if err != nil {
			t.Fatal(err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", example, err)
		}
		lines := shellLines(&doc)
		if !slices.ContainsFunc(lines, func(l string) bool {
			return strings.HasPrefix(l, "CGO_ENABLED=0 go install github.com/esaflow/esaflow/cmd/esaflow@")
		}) {
			t.Errorf("%s does not install this module: %q", example, lines)
		}
		dir := t.TempDir()
		captures := filepath.Join(dir, "captures")
		os.MkdirAll(captures, 0o755)
		sample, _ := os.ReadFile("../../testdata/sample.pcapng")
		os.WriteFile(filepath.Join(captures, "gateway.pcapng"), sample, 0o644)
		code, expectations, errs := run("check", "--init", filepath.Join(captures, "gateway.pcapng"))
		if code != ExitOK {
			t.Fatalf("--init: %s", errs)
		}
		os.WriteFile(filepath.Join(captures, "expect.yaml"), []byte(expectations), 0o644)
		ran := 0
		for _, line := range lines {
			fields := strings.Fields(line)
			if len(fields) == 0 || fields[0] != "esaflow" {
				continue
			}
			var args []string
			for _, a := range fields[1:] {
				switch {
				case strings.ContainsAny(a, "*?"):
					matches, _ := filepath.Glob(filepath.Join(dir, a))
					args = append(args, matches...)
				case strings.Contains(a, "/") || strings.HasSuffix(a, ".xml"):
					args = append(args, filepath.Join(dir, a))
				default:
					args = append(args, a)
				}
			}
			code, out, errs := run(args...)
			if code != ExitOK {
				t.Errorf("%s: %q: exit %d\n%s%s", example, line, code, out, errs)
			}
			ran++
		}
		junit, err := os.ReadFile(filepath.Join(dir, "esaflow.xml"))
		if ran == 0 || err != nil || !strings.Contains(string(junit), "<testsuites") {
			t.Errorf("%s: %d esaflow lines run, JUnit file: %v", example, ran, err)
		}
	}
}

// shellLines returns the shell lines of a CI file: the values of "run"
// keys and the items of "script" lists, anywhere in it.
func shellLines(n *yaml.Node) []string {
	var out []string
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch {
			case k.Value == "run" && v.Kind == yaml.ScalarNode:
				out = append(out, v.Value)
				continue
			case k.Value == "script" && v.Kind == yaml.SequenceNode:
				for _, it := range v.Content {
					out = append(out, it.Value)
				}
				continue
			}
			out = append(out, shellLines(v)...)
		}
		return out
	}
	for _, c := range n.Content {
		out = append(out, shellLines(c)...)
	}
	return out
}
