package classify

import (
	"path/filepath"
	"slices"
	"testing"
)

// transactionsOf runs a recorded capture and returns each connection's
// transaction results, by connection ID.
func transactionsOf(t *testing.T, file string) map[uint64][]string {
	t.Helper()
	got := map[uint64][]string{}
	track(t, []string{filepath.Join("../testdata/captures", file)}, NewClassifier(func(r *Record) {
		res := []string{}
		for _, tx := range r.Transactions {
			res = append(res, tx.Result.String())
		}
		got[r.ID] = res
	}))
	return got
}

// TestTransactionsOfRecordedCaptures: each recorded capture's mail
// transactions end as its SMTP dialogue shows.
func TestTransactionsOfRecordedCaptures(t *testing.T) {
	for _, tc := range []struct {
		file string
		want map[uint64][]string
	}{
		{"postfix_accept_delivered.pcap", map[uint64][]string{1: {"delivered"}}},
		{"postfix_recipient_rejected.pcap", map[uint64][]string{1: {"recipients_refused"}}},
		{"postfix_sender_rejected.pcap", map[uint64][]string{1: {"sender_refused"}}},
		{"postfix_tls_required.pcap", map[uint64][]string{1: {"tls_required"}}},
		{"postfix_quit.pcap", map[uint64][]string{1: {}}},
		{"postfix_tempfail_450.pcap", map[uint64][]string{1: {}}},
		{"wild_mail_450_pipelined.pcap", map[uint64][]string{1: {"deferred"}, 2: {"deferred"}}},
		{"fw_rcpt_101.pcap", map[uint64][]string{1: {"aborted"}}},
		{"postfix_transactions.pcap", map[uint64][]string{1: {"delivered", "recipients_refused", "delivered", "reset"}}},
	} {
		got := transactionsOf(t, tc.file)
		for id, want := range tc.want {
			if !slices.Equal(got[id], want) {
				t.Errorf("%s connection %d: transactions %v, want %v", tc.file, id, got[id], want)
			}
		}
	}
}

// TestTransactionCountsItsRecipients: fw_rcpt_101's one transaction holds
// its 100 accepted recipients (the 101st was cut by the forged reset) and
// the connection's recipient list.
func TestTransactionCountsItsRecipients(t *testing.T) {
	var rec *Record
	track(t, []string{"../testdata/captures/fw_rcpt_101.pcap"}, NewClassifier(func(r *Record) { c := r.Clone(); rec = &c }))
	if rec == nil || len(rec.Transactions) != 1 {
		t.Fatalf("record %+v", rec)
	}
	tx := rec.Transactions[0]
	if tx.Depth != 1 || tx.MailCode != 250 || tx.RcptAccepted != 100 || tx.RcptFrom != 0 || int(tx.Rcpts) != len(rec.RcptTo) || tx.MailFrom != "sender@example.org" || tx.LastCode != 250 {
		t.Errorf("transaction %+v (recipients kept: %d)", tx, len(rec.RcptTo))
	}
}
