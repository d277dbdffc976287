package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const schemaPath = "../../docs/esaflow.schema.json"

// compileSchema returns the schema of the JSON document and of one record.
func compileSchema(t *testing.T) (doc, record *jsonschema.Schema, csvColumns []string) {
	t.Helper()
	abs, err := filepath.Abs(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if doc, err = c.Compile(abs); err != nil {
		t.Fatal(err)
	}
	if record, err = c.Compile(abs + "#/$defs/record"); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(schemaPath)
	var ext struct {
		Columns []string `json:"x-csv-columns"`
	}
	if err := json.Unmarshal(raw, &ext); err != nil || len(ext.Columns) == 0 {
		t.Fatalf("x-csv-columns: %v", err)
	}
	return doc, record, ext.Columns
}

func validate(t *testing.T, s *jsonschema.Schema, what string, data []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Errorf("%s: not JSON: %v", what, err)
		return
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("%s does not follow docs/esaflow.schema.json: %v", what, err)
	}
}

// checkCSV holds a CSV report to the schema's columns: the header is
// x-csv-columns, every row has one cell per column, verdicts and outcomes
// are the schema's, counts are integers.
func checkCSV(t *testing.T, what string, data []byte, columns []string, verdicts, outcomes []any) {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Errorf("%s: CSV: %v", what, err)
		return
	}
	if !slices.Equal(rows[0], columns) {
		t.Errorf("%s: CSV header %v, the schema's x-csv-columns %v", what, rows[0], columns)
	}
	for _, row := range rows[1:] {
		cell := func(name string) string { return row[slices.Index(columns, name)] }
		if len(row) != len(columns) {
			t.Errorf("%s: row of %d cells, %d columns", what, len(row), len(columns))
			continue
		}
		if !slices.Contains(verdicts, any(cell("verdict"))) || !slices.Contains(outcomes, any(cell("outcome"))) {
			t.Errorf("%s: verdict %q, outcome %q not in the schema", what, cell("verdict"), cell("outcome"))
		}
		for _, n := range []string{"id", "client_port", "server_port", "banner_code", "client_packets", "server_packets", "client_bytes", "server_bytes", "missed_bytes"} {
			if _, err := strconv.ParseUint(cell(n), 10, 64); err != nil {
				t.Errorf("%s: %s %q is not a count", what, n, cell(n))
			}
		}
	}
}

// TestOutputsFollowTheSchema validates the JSON document, every JSON Lines
// record and the CSV of every recorded capture, and the report package's
// golden outputs (whose records carry every optional key), against
// docs/esaflow.schema.json.
func TestOutputsFollowTheSchema(t *testing.T) {
	doc, record, columns := compileSchema(t)
	raw, _ := os.ReadFile(schemaPath)
	var enums struct {
		Defs struct {
			Verdict struct{ Enum []any } `json:"verdict"`
			Outcome struct{ Enum []any } `json:"outcome"`
		} `json:"$defs"`
	}
	json.Unmarshal(raw, &enums)
	files, _ := filepath.Glob("../../testdata/captures/*.pcap*")
	files = append(files, "../../testdata/sample.pcapng")
	if len(files) < 20 {
		t.Fatal("no recorded captures")
	}
	jsonlFrom := func(what string, data []byte) {
		for _, line := range strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n") {
			if line != "" {
				validate(t, record, what+" (a JSON Lines record)", []byte(line))
			}
		}
	}
	abs, _ := filepath.Abs(schemaPath)
	transaction, err := jsonschema.NewCompiler().Compile(abs + "#/$defs/transaction")
	if err != nil {
		t.Fatal(err)
	}
	transactions := 0
	for _, f := range files {
		name := filepath.Base(f)
		_, out, _ := run("analyze", "-o", "transactions", f)
		for _, line := range strings.SplitAfter(strings.TrimSuffix(out, "\n"), "\n") {
			if line != "" {
				validate(t, transaction, name+" -o transactions", []byte(line))
				transactions++
			}
		}
		_, out, _ = run("analyze", "-o", "json", f)
		validate(t, doc, name+" -o json", []byte(out))
		_, out, _ = run("analyze", "-o", "jsonl", f)
		jsonlFrom(name+" -o jsonl", []byte(out))
		_, out, _ = run("analyze", "-o", "csv", f)
		checkCSV(t, name+" -o csv", []byte(out), columns, enums.Defs.Verdict.Enum, enums.Defs.Outcome.Enum)
	}
	if transactions < 20 {
		t.Errorf("only %d transactions in the recorded captures", transactions)
	}
	golden := "../../report/testdata/golden/"
	for name, check := range map[string]func(string, []byte){
		"report.json":  func(w string, b []byte) { validate(t, doc, w, b) },
		"report.jsonl": jsonlFrom,
		"report.csv": func(w string, b []byte) {
			checkCSV(t, w, b, columns, enums.Defs.Verdict.Enum, enums.Defs.Outcome.Enum)
		},
		"empty_report.json": func(w string, b []byte) { validate(t, doc, w, b) },
		"report.transactions.jsonl": func(w string, b []byte) {
			for _, line := range strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n") {
				validate(t, transaction, w, []byte(line))
			}
		},
	} {
		data, err := os.ReadFile(golden + name)
		if err != nil {
			t.Fatal(err)
		}
		check(name, data)
	}
}
