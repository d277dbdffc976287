// Package engine runs esaflow's analysis: it reads frames from capture
// sources, tracks their TCP connections (package flow), classifies each
// connection (package classify) and hands every decided record to a Sink,
// such as a report renderer (package report). Every esaflow command goes
// through Run, and so can any other program: see the example.
//
// One call to Run is one run. Its output depends only on the packets:
// the same inputs give the same records in the same order, whatever the
// order of the files, the number of workers or jobs, or the machine.
//
// Inside, capture files are read ahead in batches on a goroutine of
// their own (prefetch.go), decoded there, tracked on the calling
// goroutine and classified on workers (classifier.go), records handed to
// the sink in the order their connections closed; files far apart in
// time are tracked in parallel where that cannot change the report
// (parallel.go); files that overlap in time are merged packet by packet
// (timeline.go). Other sources, a live capture for one, are read and
// classified on the calling goroutine, each record handed over the moment
// its connection is decided.
package engine
