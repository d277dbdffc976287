package report

import (
	"maps"
	"net/netip"
	"testing"
	"time"

	"github.com/esaflow/esaflow/classify"
)

// conn returns a record from client to server with verdict v, outcome o and
// start time start (its end is one second later).
func conn(client, server string, v classify.Verdict, o classify.Outcome, start time.Duration) classify.Record {
	return classify.Record{
		Client: ip(client), ClientPort: 40000, Server: ip(server), ServerPort: 25,
		Verdict: v, Outcome: o, Start: at(start), End: at(start + time.Second),
	}
}

// aggregate adds recs to a new Aggregator grouped by by and returns its
// hosts.
func aggregate(by GroupBy, recs ...classify.Record) []Host {
	a := NewAggregator(by)
	for i := range recs {
		a.Add(&recs[i])
	}
	return a.Hosts()
}

// onlyHost returns the single host of hosts, failing if there is not one.
func onlyHost(t *testing.T, hosts []Host) Host {
	t.Helper()
	if len(hosts) != 1 {
		t.Fatalf("got %d hosts, want 1: %+v", len(hosts), hosts)
	}
	return hosts[0]
}

// checkHost compares the verdict, counts and outcomes of h.
func checkHost(t *testing.T, h Host, conns int, verdict string, counts, outcomes map[string]int) {
	t.Helper()
	if h.Connections != conns {
		t.Errorf("Connections = %d, want %d", h.Connections, conns)
	}
	if h.Verdict != verdict {
		t.Errorf("Verdict = %q, want %q", h.Verdict, verdict)
	}
	if !maps.Equal(h.Counts, counts) {
		t.Errorf("Counts = %v, want %v", h.Counts, counts)
	}
	if !maps.Equal(h.Outcomes, outcomes) {
		t.Errorf("Outcomes = %v, want %v", h.Outcomes, outcomes)
	}
}

const (
	accept     = classify.VerdictAccept
	reject     = classify.VerdictReject
	tcpRefuse  = classify.VerdictTCPRefuse
	incomplete = classify.VerdictIncomplete
	none       = classify.OutcomeNone
)

func TestAggregateSingleVerdict(t *testing.T) {
	h := onlyHost(t, aggregate(GroupClient,
		conn("192.0.2.1", "192.0.2.100", tcpRefuse, none, 0),
		conn("192.0.2.1", "192.0.2.100", tcpRefuse, none, time.Second),
		conn("192.0.2.1", "192.0.2.101", tcpRefuse, none, 2*time.Second),
	))
	checkHost(t, h, 3, "TCPREFUSE", map[string]int{"TCPREFUSE": 3}, nil)
	if h.Addr != ip("192.0.2.1") {
		t.Errorf("Host = %v", h.Addr)
	}
	if !h.First.Equal(at(0)) || !h.Last.Equal(at(3*time.Second)) {
		t.Errorf("First, Last = %v, %v; want %v, %v", h.First, h.Last, at(0), at(3*time.Second))
	}
}

func TestAggregateAcceptCountsOutcomes(t *testing.T) {
	h := onlyHost(t, aggregate(GroupClient,
		conn("192.0.2.1", "192.0.2.100", accept, classify.OutcomeDelivered, 0),
		conn("192.0.2.1", "192.0.2.100", accept, classify.OutcomeDelivered, time.Second),
		conn("192.0.2.1", "192.0.2.100", accept, classify.OutcomeTLS, 2*time.Second),
	))
	checkHost(t, h, 3, "ACCEPT", map[string]int{"ACCEPT": 3}, map[string]int{"DELIVERED": 2, "TLS": 1})
	if got, want := hostDetail(h), "DELIVERED 2, TLS 1"; got != want {
		t.Errorf("detail = %q, want %q", got, want)
	}
}

func TestAggregateMixedWithCounts(t *testing.T) {
	h := onlyHost(t, aggregate(GroupClient,
		conn("192.0.2.1", "192.0.2.100", reject, none, 3*time.Second),
		conn("192.0.2.1", "192.0.2.100", accept, classify.OutcomeQuit, 0),
		conn("192.0.2.1", "192.0.2.100", accept, classify.OutcomeDelivered, time.Second),
		conn("192.0.2.1", "192.0.2.100", accept, classify.OutcomeDelivered, 2*time.Second),
		conn("192.0.2.1", "192.0.2.100", incomplete, none, 4*time.Second),
	))
	checkHost(t, h, 5, "MIXED",
		map[string]int{"ACCEPT": 3, "REJECT": 1, "INCOMPLETE": 1},
		map[string]int{"DELIVERED": 2, "QUIT": 1})
	if got, want := hostDetail(h), "ACCEPT 3, REJECT 1, INCOMPLETE 1"; got != want {
		t.Errorf("detail = %q, want %q", got, want)
	}
}

func TestAggregateAllIncomplete(t *testing.T) {
	h := onlyHost(t, aggregate(GroupClient,
		conn("2001:db8::1", "2001:db8::25", incomplete, none, 0),
		conn("2001:db8::1", "2001:db8::25", incomplete, none, time.Second),
	))
	checkHost(t, h, 2, "INCOMPLETE", map[string]int{"INCOMPLETE": 2}, nil)
	if got := hostDetail(h); got != "" {
		t.Errorf("detail = %q, want empty", got)
	}
}

func TestAggregateIncompleteIgnoredWhenOthersDecided(t *testing.T) {
	h := onlyHost(t, aggregate(GroupClient,
		conn("192.0.2.1", "192.0.2.100", incomplete, none, 0),
		conn("192.0.2.1", "192.0.2.100", reject, none, time.Second),
		conn("192.0.2.1", "192.0.2.100", incomplete, none, 2*time.Second),
		conn("192.0.2.1", "192.0.2.100", reject, none, 3*time.Second),
	))
	checkHost(t, h, 4, "REJECT", map[string]int{"REJECT": 2, "INCOMPLETE": 2}, nil)
}

func TestAggregateGroupByServer(t *testing.T) {
	recs := []classify.Record{
		conn("192.0.2.1", "2001:db8::25", accept, classify.OutcomeDelivered, 0),
		conn("192.0.2.2", "2001:db8::25", reject, none, time.Second),
		conn("192.0.2.3", "192.0.2.100", tcpRefuse, none, 2*time.Second),
		conn("192.0.2.1", "192.0.2.100", tcpRefuse, none, 3*time.Second),
	}
	hosts := aggregate(GroupServer, recs...)
	if len(hosts) != 2 {
		t.Fatalf("got %d hosts, want 2: %+v", len(hosts), hosts)
	}
	// IPv4 sorts before IPv6.
	if hosts[0].Addr != ip("192.0.2.100") || hosts[1].Addr != ip("2001:db8::25") {
		t.Fatalf("hosts = %v, %v", hosts[0].Addr, hosts[1].Addr)
	}
	checkHost(t, hosts[0], 2, "TCPREFUSE", map[string]int{"TCPREFUSE": 2}, nil)
	checkHost(t, hosts[1], 2, "MIXED", map[string]int{"ACCEPT": 1, "REJECT": 1}, map[string]int{"DELIVERED": 1})

	if n := len(aggregate(GroupClient, recs...)); n != 3 {
		t.Errorf("grouped by client: got %d hosts, want 3", n)
	}
}

func TestAggregateHostsSortedByAddress(t *testing.T) {
	addrs := []string{"2001:db8::2", "10.0.0.1", "2001:db8::10", "192.0.2.1", "9.9.9.9"}
	var recs []classify.Record
	for _, a := range addrs {
		recs = append(recs, conn(a, "192.0.2.100", reject, none, 0))
	}
	hosts := aggregate(GroupClient, recs...)
	want := []string{"9.9.9.9", "10.0.0.1", "192.0.2.1", "2001:db8::2", "2001:db8::10"}
	for i, h := range hosts {
		if h.Addr != netip.MustParseAddr(want[i]) {
			t.Errorf("hosts[%d] = %v, want %s", i, h.Addr, want[i])
		}
	}
}

func TestAggregateHostsAreSnapshots(t *testing.T) {
	a := NewAggregator(GroupClient)
	r := conn("192.0.2.1", "192.0.2.100", reject, none, 0)
	a.Add(&r)
	before := a.Hosts()
	before[0].Counts["REJECT"] = 100
	r = conn("192.0.2.1", "192.0.2.100", accept, classify.OutcomeQuit, time.Second)
	a.Add(&r)
	after := onlyHost(t, a.Hosts())
	checkHost(t, after, 2, "MIXED", map[string]int{"ACCEPT": 1, "REJECT": 1}, map[string]int{"QUIT": 1})
	if before[0].Connections != 1 || before[0].Verdict != "REJECT" {
		t.Errorf("earlier snapshot changed: %+v", before[0])
	}
}

func TestAggregateTimesInUTC(t *testing.T) {
	r := conn("192.0.2.1", "192.0.2.100", reject, none, 0)
	r.Start, r.End = r.Start.In(time.FixedZone("X", 3600)), time.Time{}
	h := onlyHost(t, aggregate(GroupClient, r))
	if h.First.Location() != time.UTC || h.Last.Location() != time.UTC {
		t.Errorf("First, Last not in UTC: %v, %v", h.First, h.Last)
	}
	if !h.Last.Equal(r.Start) {
		t.Errorf("Last = %v, want the start %v for a record without end", h.Last, r.Start)
	}
}

func TestCountSlotsHoldEveryVerdictAndOutcome(t *testing.T) {
	for _, v := range classify.Verdicts() {
		if int(v) >= countSlots {
			t.Errorf("verdict %s (%d) has no count slot", v, v)
		}
	}
	if int(classify.OutcomeIncomplete) >= countSlots {
		t.Errorf("outcome %s (%d) has no count slot", classify.OutcomeIncomplete, classify.OutcomeIncomplete)
	}
}
