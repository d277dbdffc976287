package report

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/esaflow/esaflow/classify"
)

// at returns 2024-03-01 12:00:00 UTC plus d.
func at(d time.Duration) time.Time {
	return time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC).Add(d)
}

// ip parses an address for fixtures.
func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

// fixtureRecords returns the hand-made records behind the golden files, in
// the order a decoder might decide them (not the order of their start
// times). They cover IPv4 and IPv6 clients and servers, several verdicts, a
// MIXED host, a multi-line reply, an escaped banner, a long banner, a
// record whose times are not in UTC and records without replies.
func fixtureRecords() []classify.Record {
	recs := fixtureRecordsWithoutIDs()
	for i := range recs {
		r := &recs[i]
		// Made-up identifiers of the right shape (classify computes the
		// real ones), and the duration classify would give.
		r.UID = fmt.Sprintf("CFx%014d", r.ID*7919)
		r.CommunityID = fmt.Sprintf("1:fixture%02d+connection/hashes=", r.ID)
		if !r.End.IsZero() {
			r.Duration = classify.Seconds(r.End.Sub(r.Start))
		}
		if r.ID == 1 { // the delivery: what its commands say
			r.Helo, r.MailFrom, r.RcptTo, r.Messages = "client.example.net", "a@example.net", []string{"b@example.org", "c@example.org", `\x1b[31mx@example.org`}, 1
			r.Transactions = []classify.Transaction{
				{Depth: 1, Time: at(25 * time.Millisecond), MailFrom: "a@example.net", RcptFrom: 0, Rcpts: 1, MailCode: 250, RcptAccepted: 1,
					DataCode: 354, EndCode: 250, LastCode: 250, LastText: "2.0.0 Ok: queued as 4Tq1", Result: classify.TxDelivered},
				{Depth: 2, Time: at(1500 * time.Millisecond), MailFrom: "", RcptFrom: 1, Rcpts: 2, MailCode: 250, RcptRefused: 1, RcptDeferred: 1,
					LastCode: 450, LastText: "4.2.0 greylisted", Result: classify.TxRecipientsRefused},
			}
		}
	}
	return recs
}

func fixtureRecordsWithoutIDs() []classify.Record {
	cet := time.FixedZone("CET", 3600)
	return []classify.Record{
		{
			ID: 1, Client: ip("192.0.2.10"), ClientPort: 40001, Server: ip("192.0.2.1"), ServerPort: 25,
			Verdict: classify.VerdictAccept, Outcome: classify.OutcomeDelivered,
			BannerCode: 220, Banner: "mx.example.org ESMTP Postfix",
			History: "ShADadFf", ConnState: "SF", ClosedBy: "client FIN",
			Start: at(0), End: at(2 * time.Second),
			Replies: []classify.Reply{
				{Command: "", Code: 220, Text: "mx.example.org ESMTP Postfix", Time: at(10 * time.Millisecond)},
				{Command: "EHLO client.example.net", Code: 250, Text: "mx.example.org\nPIPELINING\nSIZE 10240000\n8BITMIME", Time: at(20 * time.Millisecond)},
				{Command: "MAIL FROM:<a@example.net>", Code: 250, Enhanced: "2.1.0", Text: "2.1.0 Ok", Time: at(30 * time.Millisecond)},
				{Command: "RCPT TO:<b@example.org>", Code: 250, Enhanced: "2.1.5", Text: "Ok", Time: at(40 * time.Millisecond)},
				{Command: "DATA", Code: 354, Text: "End data with <CR><LF>.<CR><LF>", Time: at(50 * time.Millisecond)},
				{Command: "<DATA>", Code: 250, Enhanced: "2.0.0", Text: "2.0.0 Ok: queued as 4Tq1", Time: at(time.Second)},
				{Command: "QUIT", Code: 221, Enhanced: "2.0.0", Text: "2.0.0 Bye", Time: at(2 * time.Second)},
			},
			TLS:           classify.TLS{Offered: false},
			ClientPackets: 9, ServerPackets: 8, ClientBytes: 412, ServerBytes: 301,
			Explanation: "2xx greeting, message accepted",
		},
		{
			ID: 2, Client: ip("203.0.113.5"), ClientPort: 51000, Server: ip("192.0.2.1"), ServerPort: 25,
			Verdict: classify.VerdictReject, BannerCode: 554,
			Banner:  "5.7.1 mx.example.org ESMTP service not available; your IP 203.0.113.5 is listed",
			History: "ShADdFaf", ConnState: "SF", ClosedBy: "server FIN",
			Start: at(5 * time.Second), End: at(5*time.Second + 30*time.Millisecond),
			Replies: []classify.Reply{
				{Code: 554, Enhanced: "5.7.1", Text: "5.7.1 mx.example.org ESMTP service not available; your IP 203.0.113.5 is listed", Time: at(5*time.Second + 10*time.Millisecond)},
			},
			ClientPackets: 4, ServerPackets: 4, ServerBytes: 86,
			Reason:      "blocklisted",
			Explanation: "5xx greeting, then server FIN",
		},
		{
			ID: 4, Client: ip("2001:db8:beef::25"), ClientPort: 33000, Server: ip("2001:db8::1"), ServerPort: 25,
			Verdict: classify.VerdictTCPRefuse,
			History: "ShAr", ConnState: "RSTO", ClosedBy: "server RST",
			Start: at(7 * time.Second), End: at(7*time.Second + 1200*time.Microsecond),
			ClientPackets: 2, ServerPackets: 2,
			Explanation: "server RST 1.2ms after the handshake, no payload",
		},
		{
			// Decided after ID 4 but started before it.
			ID: 3, Client: ip("203.0.113.5"), ClientPort: 51002, Server: ip("192.0.2.1"), ServerPort: 587,
			Verdict: classify.VerdictAccept, Outcome: classify.OutcomeDeferred,
			BannerCode: 220, Banner: "mx.example.org ESMTP",
			History: "ShADadFf", ConnState: "SF", ClosedBy: "client FIN",
			Start: at(6 * time.Second).In(cet), End: at(6*time.Second + 400*time.Millisecond).In(cet),
			Replies: []classify.Reply{
				{Code: 220, Text: "mx.example.org ESMTP", Time: at(6*time.Second + 5*time.Millisecond).In(cet)},
				{Command: "EHLO [203.0.113.5]", Code: 250, Text: "mx.example.org\nSTARTTLS", Time: at(6*time.Second + 9*time.Millisecond).In(cet)},
				{Command: "MAIL FROM:<>", Code: 250, Text: "Ok", Time: at(6*time.Second + 12*time.Millisecond).In(cet)},
				{Command: "RCPT TO:<x@example.org>", Code: 450, Enhanced: "4.2.0", Text: "<x@example.org>: Recipient address rejected: Greylisted", Time: at(6*time.Second + 15*time.Millisecond).In(cet)},
				{Command: "QUIT", Code: 221, Text: "Bye", Time: at(6*time.Second + 400*time.Millisecond).In(cet)},
			},
			TLS:           classify.TLS{Offered: true},
			ClientPackets: 7, ServerPackets: 6, ClientBytes: 88, ServerBytes: 190,
			Reason:         "greylisting",
			Explanation:    "2xx greeting, 4xx to RCPT",
			RepliesOmitted: 0,
		},
		{
			ID: 5, Client: ip("198.51.100.7"), ClientPort: 44444, Server: ip("192.0.2.1"), ServerPort: 25,
			Verdict: classify.VerdictAccept, Outcome: classify.OutcomeTLS,
			BannerCode: 220, Banner: `evil\x1b[31m`,
			History: "ShADad", ConnState: "S1", ClosedBy: "",
			Start: at(8 * time.Second), End: at(9 * time.Second),
			Replies: []classify.Reply{
				{Code: 220, Text: `evil\x1b[31m`, Time: at(8*time.Second + time.Millisecond)},
				{Command: "EHLO a", Code: 250, Text: "evil\nSTARTTLS", Time: at(8*time.Second + 2*time.Millisecond)},
				{Command: "STARTTLS", Code: 220, Enhanced: "2.0.0", Text: "Ready to start TLS", Time: at(8*time.Second + 3*time.Millisecond)},
			},
			TLS: classify.TLS{Offered: true, Attempted: true, Answered: true, Result: "ok",
				Version: "TLSv1.2", Cipher: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
				CertSubject: "CN=mx.example.org", CertIssuer: `CN=evil\x1b[31m CA`},
			ClientPackets: 6, ServerPackets: 6, ClientBytes: 400, ServerBytes: 2900,
			Explanation: "2xx greeting, STARTTLS 220 and TLS handshake",
		},
		{
			ID: 6, Client: ip("203.0.113.5"), ClientPort: 51003, Server: ip("192.0.2.1"), ServerPort: 25,
			Verdict: classify.VerdictTCPRefuse,
			History: "ShAr", ConnState: "RSTO", ClosedBy: "server RST",
			Start: at(10 * time.Second), End: at(10*time.Second + time.Millisecond),
			ClientPackets: 2, ServerPackets: 2,
			Flags:       []classify.Flag{{Name: "rst_forged_suspected", Evidence: "server RST with TTL 64, the server's other packets TTL 63"}},
			Explanation: "server RST 1ms after the handshake, no payload",
		},
		{
			ID: 7, Client: ip("203.0.113.5"), ClientPort: 51004, Server: ip("192.0.2.1"), ServerPort: 25,
			Verdict: classify.VerdictIncomplete,
			History: "ShA", ConnState: "OTH",
			Start: at(11 * time.Second), End: at(11 * time.Second),
			ClientPackets: 2, ServerPackets: 1,
			Explanation: "the capture ended before the server's first reply",
		},
		{
			ID: 8, Client: ip("2001:db8:beef::25"), ClientPort: 33002, Server: ip("2001:db8::1"), ServerPort: 25,
			Verdict: classify.VerdictIncomplete,
			History: "D", ConnState: "OTH",
			Start: at(12 * time.Second), End: at(12 * time.Second),
			ClientPackets: 1,
			Explanation:   "the capture started mid-session",
		},
		{
			ID: 9, Client: ip("2001:db8:cafe::9"), ClientPort: 35000, Server: ip("2001:db8::1"), ServerPort: 25,
			Verdict: classify.VerdictIncomplete,
			History: "S", ConnState: "S0",
			Start: at(13 * time.Second), End: at(13 * time.Second),
			ClientPackets: 1,
			Explanation:   "the capture ended before the server answered the SYN",
		},
	}
}

// fixtureStats returns the statistics behind the golden files.
func fixtureStats() *Stats {
	return &Stats{
		Files: []FileStat{
			{Name: "capture.pcap", Format: "pcap", LinkTypes: []string{"Ethernet"}, Packets: 40, Bytes: 9120},
			{Name: "capture2.pcapng.gz", Format: "pcapng.gz", Packets: 7, Bytes: 1024,
				Warning: "truncated at byte 12345: unexpected EOF"},
		},
		Packets: 47, TCPPackets: 41, Ignored: 5, Malformed: 1,
		Connections: 9,
		First:       at(0),
		Last:        at(13 * time.Second).In(time.FixedZone("EST", -5*3600)),
		Warnings:    []string{"capture2.pcapng.gz: truncated at byte 12345: unexpected EOF"},
	}
}
