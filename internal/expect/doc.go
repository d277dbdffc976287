// Package expect owns "esaflow check": it parses an expectations file
// (YAML: per-host verdicts, per-connection verdicts and outcomes, forbidden
// verdicts), evaluates it against decided connections and per-host
// verdicts, and renders the results as text or JUnit XML. It also writes
// the expectations a capture satisfies today (--init).
//
// It never reads packets (the caller hands it classify.Records and
// report.Hosts) and never touches process globals.
package expect
