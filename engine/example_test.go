package engine_test

import (
	"context"
	"fmt"
	"log"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/engine"
)

// A program of its own labels the connections of a capture file: records
// come in the order their connections are decided, numbered in the order
// they started.
func Example() {
	src, err := capture.Open("../testdata/sample.pcapng", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	print := engine.RecordFunc(func(r *classify.Record) error {
		fmt.Printf("%d %s %s %q\n", r.ID, r.Client, r.Verdict, r.Outcome)
		return nil
	})
	stats, err := engine.Run(context.Background(), []capture.Source{src}, print, engine.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(stats.Connections, "connections,", len(stats.Warnings), "warnings")
	// Output:
	// 1 198.51.100.15 PORT_CLOSED ""
	// 2 198.51.100.10 ACCEPT "DELIVERED"
	// 3 198.51.100.11 REJECT ""
	// 4 198.51.100.12 TEMPFAIL ""
	// 5 198.51.100.17 ACCEPT "SENDER_REJECTED"
	// 6 198.51.100.19 ACCEPT "TLS"
	// 8 198.51.100.23 ACCEPT "QUIT"
	// 9 198.51.100.23 REJECT ""
	// 10 198.51.100.20 ACCEPT "TLS_REQUIRED"
	// 12 198.51.100.24 ACCEPT "QUIT"
	// 11 198.51.100.13 REJECT ""
	// 13 198.51.100.14 TCPREFUSE ""
	// 7 198.51.100.16 NO_ANSWER ""
	// 13 connections, 0 warnings
}
