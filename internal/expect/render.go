package expect

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Failed counts the failed results.
func Failed(rs []Result) int {
	n := 0
	for _, r := range rs {
		if !r.Pass {
			n++
		}
	}
	return n
}

// WriteText writes one line per result, the connections behind each
// failure indented under it, then "N passed, M failed".
func WriteText(w io.Writer, rs []Result) error {
	var b strings.Builder
	for _, r := range rs {
		if r.Pass {
			fmt.Fprintf(&b, "PASS  %s\n", r.Name)
			continue
		}
		fmt.Fprintf(&b, "FAIL  %s\n      %s\n", r.Name, r.Detail)
		for i, c := range r.Conns {
			if i == maxShown {
				fmt.Fprintf(&b, "        ... and %d more (--junit lists every one)\n", len(r.Conns)-maxShown+r.More)
				break
			}
			fmt.Fprintf(&b, "        %s\n", c)
		}
	}
	failed := Failed(rs)
	fmt.Fprintf(&b, "%d passed, %d failed\n", len(rs)-failed, failed)
	_, err := io.WriteString(w, b.String())
	return err
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Errors  int          `xml:"errors,attr"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name   string      `xml:"name,attr"`
	Tests  int         `xml:"tests,attr"`
	Fails  int         `xml:"failures,attr"`
	Errors int         `xml:"errors,attr"`
	Cases  []junitCase `xml:"testcase"`
}

type junitCase struct {
	Class   string        `xml:"classname,attr"`
	Name    string        `xml:"name,attr"`
	Failure *junitFailure `xml:"failure,omitempty"`
	Error   *junitFailure `xml:"error,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// WriteJUnitError writes a JUnit XML file for a check that could not be
// made: one testcase per input problem (a capture that is not one, a
// damaged file), each an error with the problem as its message, so that a
// CI system shows why instead of finding no report.
func WriteJUnitError(w io.Writer, suite string, problems []string) error {
	if suite == "" {
		suite = "esaflow check"
	}
	s := junitSuite{Name: suite, Tests: len(problems), Errors: len(problems)}
	for i, p := range problems {
		s.Cases = append(s.Cases, junitCase{Class: "esaflow.check", Name: fmt.Sprintf("input %d", i+1),
			Error: &junitFailure{Message: p, Type: "input", Body: p}})
	}
	return writeJUnitDoc(w, junitSuites{Tests: len(problems), Errors: len(problems), Suites: []junitSuite{s}})
}

// WriteJUnit writes the results as JUnit XML: one testsuite "esaflow
// check" (named after suite when given), one testcase per expectation.
func WriteJUnit(w io.Writer, suite string, rs []Result) error {
	if suite == "" {
		suite = "esaflow check"
	}
	failed := Failed(rs)
	s := junitSuite{Name: suite, Tests: len(rs), Fails: failed}
	for _, r := range rs {
		c := junitCase{Class: "esaflow.check", Name: r.Name}
		if !r.Pass {
			body := strings.Join(r.Conns, "\n")
			if r.More > 0 {
				body += fmt.Sprintf("\n... and %d more", r.More)
			}
			c.Failure = &junitFailure{Message: r.Detail, Type: "expectation", Body: body}
		}
		s.Cases = append(s.Cases, c)
	}
	return writeJUnitDoc(w, junitSuites{Tests: len(rs), Fails: failed, Suites: []junitSuite{s}})
}

// writeJUnitDoc writes doc as an indented XML document.
func writeJUnitDoc(w io.Writer, doc junitSuites) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
