package expect

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/esaflow/esaflow/classify"
)

// ParseError is a problem in an expectations file, with its line.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

type parser struct{ file string }

func (p parser) errf(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &ParseError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// Parse reads an expectations file; name is used in errors, which are
// *ParseError values carrying the line.
func Parse(name string, data []byte) (*Spec, error) {
	p := parser{file: name}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return nil, &ParseError{File: name, Msg: strings.Join(te.Errors, "; ")}
		}
		msg := err.Error()
		line := 0
		if _, rest, ok := strings.Cut(msg, "line "); ok {
			num, after, _ := strings.Cut(rest, ":")
			if n, err := strconv.Atoi(num); err == nil {
				line, msg = n, strings.TrimSpace(after)
			}
		}
		return nil, &ParseError{File: name, Line: line, Msg: strings.TrimPrefix(msg, "yaml: ")}
	}
	if len(doc.Content) == 0 {
		return nil, p.errf(nil, "the file is empty: expected hosts, connections or forbid")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, p.errf(root, "expected a mapping with hosts, connections or forbid")
	}
	spec := &Spec{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		var err error
		switch k.Value {
		case "hosts":
			err = p.hosts(v, spec)
		case "connections":
			err = p.connections(v, spec)
		case "forbid":
			spec.ForbidLine = k.Line
			spec.Forbid, err = p.verdicts(v)
		case "options":
			spec.Options, err = p.options(v)
		default:
			err = p.errf(k, "unknown key %q (expected hosts, connections, forbid or options)", k.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(spec.Hosts)+len(spec.Connections)+len(spec.Forbid) == 0 {
		return nil, p.errf(root, "no expectations: give hosts, connections or forbid")
	}
	return spec, nil
}

func (p parser) hosts(n *yaml.Node, spec *Spec) error {
	if n.Kind != yaml.MappingNode {
		return p.errf(n, "hosts must be a mapping of address or CIDR to verdict")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		pfx, err := p.prefix(k)
		if err != nil {
			return err
		}
		r := HostRule{Line: k.Line, Text: k.Value, Prefix: pfx, Count: noCount()}
		switch v.Kind {
		case yaml.ScalarNode, yaml.SequenceNode:
			if r.Verdicts, err = p.hostVerdicts(v); err != nil {
				return err
			}
		case yaml.MappingNode:
			for j := 0; j+1 < len(v.Content); j += 2 {
				kk, vv := v.Content[j], v.Content[j+1]
				switch kk.Value {
				case "verdict":
					r.Verdicts, err = p.hostVerdicts(vv)
				case "outcome":
					r.Outcomes, err = p.outcomes(vv)
				case "at_least":
					err = p.atLeast(vv, &r.Count)
				case "exactly":
					r.Count.Exactly, err = p.number(vv)
				default:
					err = p.errf(kk, "unknown key %q for a host (expected verdict, outcome, at_least, exactly)", kk.Value)
				}
				if err != nil {
					return err
				}
			}
			if len(r.Verdicts) == 0 && len(r.Outcomes) == 0 && r.Count == noCount() {
				return p.errf(v, "host %s expects nothing", k.Value)
			}
		default:
			return p.errf(v, "host %s: expected a verdict, a list of verdicts or a mapping", k.Value)
		}
		spec.Hosts = append(spec.Hosts, r)
	}
	return nil
}

func (p parser) connections(n *yaml.Node, spec *Spec) error {
	if n.Kind != yaml.SequenceNode {
		return p.errf(n, "connections must be a list")
	}
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			return p.errf(item, "each connection expectation must be a mapping")
		}
		r := ConnRule{Line: item.Line, Count: noCount()}
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, v := item.Content[j], item.Content[j+1]
			var err error
			switch k.Value {
			case "client":
				r.Client, err = p.prefix(v)
			case "server":
				r.Server, err = p.prefix(v)
			case "server_port":
				r.ServerPort, err = p.number(v)
				if err == nil && (r.ServerPort < 1 || r.ServerPort > 65535) {
					err = p.errf(v, "server_port %d is not a port", r.ServerPort)
				}
			case "verdict":
				r.Verdicts, err = p.verdicts(v)
			case "outcome":
				r.Outcomes, err = p.outcomes(v)
			case "at_least":
				err = p.atLeast(v, &r.Count)
			case "exactly":
				r.Count.Exactly, err = p.number(v)
			case "flags":
				r.Flags, err = p.flags(v)
			case "reason":
				r.Reasons, err = p.names(v)
			case "all":
				if v.Value != "true" && v.Value != "false" {
					err = p.errf(v, "all must be true or false")
				}
				r.All = v.Value == "true"
			default:
				err = p.errf(k, "unknown key %q for a connection (expected client, server, server_port, verdict, outcome, flags, reason, at_least, exactly, all)", k.Value)
			}
			if err != nil {
				return err
			}
		}
		if len(r.Verdicts) == 0 && len(r.Outcomes) == 0 && len(r.Flags) == 0 && len(r.Reasons) == 0 {
			return p.errf(item, "a connection expectation needs a verdict, an outcome, flags or a reason")
		}
		spec.Connections = append(spec.Connections, r)
	}
	return nil
}

// list returns the scalar values of a scalar or a flat sequence.
func (p parser) list(n *yaml.Node) ([]*yaml.Node, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return []*yaml.Node{n}, nil
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return nil, p.errf(c, "expected a name, found a nested structure")
			}
		}
		if len(n.Content) == 0 {
			return nil, p.errf(n, "empty list")
		}
		return n.Content, nil
	}
	return nil, p.errf(n, "expected a name or a list of names")
}

func (p parser) verdicts(n *yaml.Node) ([]classify.Verdict, error) {
	items, err := p.list(n)
	if err != nil {
		return nil, err
	}
	var out []classify.Verdict
	for _, it := range items {
		v, err := classify.ParseVerdict(strings.ToUpper(it.Value))
		if err != nil {
			return nil, p.errf(it, "unknown verdict %q (expected one of %s)", it.Value, verdictNames())
		}
		out = append(out, v)
	}
	return out, nil
}

func (p parser) hostVerdicts(n *yaml.Node) ([]string, error) {
	items, err := p.list(n)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, it := range items {
		name := strings.ToUpper(it.Value)
		if name != "MIXED" {
			if _, err := classify.ParseVerdict(name); err != nil {
				return nil, p.errf(it, "unknown verdict %q (expected one of %s, MIXED)", it.Value, verdictNames())
			}
		}
		out = append(out, name)
	}
	return out, nil
}

func (p parser) outcomes(n *yaml.Node) ([]classify.Outcome, error) {
	items, err := p.list(n)
	if err != nil {
		return nil, err
	}
	var out []classify.Outcome
	for _, it := range items {
		o, err := classify.ParseOutcome(strings.ToUpper(it.Value))
		if err != nil || o == classify.OutcomeNone {
			return nil, p.errf(it, "unknown outcome %q (expected one of DELIVERED, TLS, TLS_FAILED, TLS_REQUIRED, DATA_REJECTED, SENDER_REJECTED, RECIPIENT_REJECTED, DEFERRED, RESET, QUIT, INCOMPLETE)", it.Value)
		}
		out = append(out, o)
	}
	return out, nil
}

// names returns the values of a scalar or a list, as written.
func (p parser) names(n *yaml.Node) ([]string, error) {
	items, err := p.list(n)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Value
	}
	return out, nil
}

// flags returns flag names, each one classify knows.
func (p parser) flags(n *yaml.Node) ([]string, error) {
	items, err := p.list(n)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, it := range items {
		if classify.FlagHelp(classify.FlagName(it.Value)) == "" {
			return nil, p.errf(it, "unknown flag %q (expected banner_masked, ehlo_masked, command_masked, inspection_limit[:LIMIT] or rst_forged_suspected)", it.Value)
		}
		out = append(out, it.Value)
	}
	return out, nil
}

// atLeast reads at_least: a whole number, or a share such as "95%".
func (p parser) atLeast(n *yaml.Node, c *Count) error {
	if s, ok := strings.CutSuffix(strings.TrimSpace(n.Value), "%"); ok && n.Kind == yaml.ScalarNode {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || v < 0 || v > 100 {
			return p.errf(n, "expected a share from 0%% to 100%%, found %q", n.Value)
		}
		c.Share = v / 100
		return nil
	}
	var err error
	c.AtLeast, err = p.number(n)
	return err
}

func (p parser) number(n *yaml.Node) (int, error) {
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || v < 0 {
		return 0, p.errf(n, "expected a whole number, found %q", n.Value)
	}
	return v, nil
}

func (p parser) prefix(n *yaml.Node) (netip.Prefix, error) {
	if n.Kind != yaml.ScalarNode {
		return netip.Prefix{}, p.errf(n, "expected an address or CIDR")
	}
	if strings.Contains(n.Value, "/") {
		pfx, err := netip.ParsePrefix(n.Value)
		if err != nil {
			return pfx, p.errf(n, "bad CIDR %q", n.Value)
		}
		return pfx.Masked(), nil
	}
	a, err := netip.ParseAddr(n.Value)
	if err != nil {
		return netip.Prefix{}, p.errf(n, "bad address %q", n.Value)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func verdictNames() string {
	var names []string
	for _, v := range classify.Verdicts() {
		names = append(names, v.String())
	}
	return strings.Join(names, ", ")
}

// options reads the options mapping: each key one of OptionNames, each
// value a scalar.
func (p parser) options(n *yaml.Node) (map[string]string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, "options: expected a mapping of flag names to values")
	}
	out := make(map[string]string)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		known := false
		for _, name := range OptionNames {
			known = known || k.Value == name
		}
		if !known {
			return nil, p.errf(k, "options: unknown option %q (expected %s)", k.Value, strings.Join(OptionNames, ", "))
		}
		if v.Kind != yaml.ScalarNode {
			return nil, p.errf(v, "options: %s: expected a single value", k.Value)
		}
		out[k.Value] = v.Value
	}
	return out, nil
}
