package report

import (
	"strconv"

	"github.com/esaflow/esaflow/classify"
)

// transactionsRenderer writes one JSON line per mail transaction, as each
// connection is decided (FormatTransactions): the shape of Zeek's
// smtp.log, joined to the connection by uid and id. A connection without
// a transaction writes nothing.
type transactionsRenderer struct {
	jsonlRenderer
}

// Connection writes r's transactions, in a single Write.
func (t *transactionsRenderer) Connection(r *classify.Record) error {
	t.buf = t.EncodeRecord(t.buf[:0], r)
	return t.WriteEncoded(t.buf)
}

// EncodeRecord implements RecordEncoder: r's transactions, a line each.
func (t *transactionsRenderer) EncodeRecord(dst []byte, r *classify.Record) []byte {
	return appendTransactionsJSON(dst, r)
}

// appendTransactionsJSON appends a line of JSON for each transaction of r.
func appendTransactionsJSON(b []byte, r *classify.Record) []byte {
	var tc timeCache
	for i := range r.Transactions {
		tx := &r.Transactions[i]
		b = appendKeyString(b, `{"uid":`, r.UID)
		b = appendKeyUint(b, `,"id":`, r.ID)
		b = appendKeyUint(b, `,"trans_depth":`, uint64(tx.Depth))
		b = appendKeyTime(b, `,"ts":"`, tx.Time.UTC(), &tc)
		b = appendKeyAddr(b, `,"client":"`, r.Client)
		b = appendKeyUint(b, `,"client_port":`, uint64(r.ClientPort))
		b = appendKeyAddr(b, `,"server":"`, r.Server)
		b = appendKeyUint(b, `,"server_port":`, uint64(r.ServerPort))
		b = appendKeyString(b, `,"helo":`, r.Helo)
		b = appendKeyString(b, `,"mail_from":`, tx.MailFrom)
		b = append(b, `,"mail_code":`...)
		b = strconv.AppendInt(b, int64(tx.MailCode), 10)
		b = append(b, `,"rcpt_to":[`...)
		from, to := min(int(tx.RcptFrom), len(r.RcptTo)), min(int(tx.RcptFrom+tx.Rcpts), len(r.RcptTo))
		for j, rcpt := range r.RcptTo[from:to] {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, rcpt)
		}
		b = append(b, ']')
		b = appendKeyUint(b, `,"rcpt_accepted":`, uint64(tx.RcptAccepted))
		b = appendKeyUint(b, `,"rcpt_refused":`, uint64(tx.RcptRefused))
		b = appendKeyUint(b, `,"rcpt_deferred":`, uint64(tx.RcptDeferred))
		b = append(b, `,"data_code":`...)
		b = strconv.AppendInt(b, int64(tx.DataCode), 10)
		b = append(b, `,"end_code":`...)
		b = strconv.AppendInt(b, int64(tx.EndCode), 10)
		b = append(b, `,"last_reply":`...)
		last := ""
		if tx.LastCode != 0 {
			last = strconv.Itoa(int(tx.LastCode))
			if tx.LastText != "" {
				last += " " + tx.LastText
			}
		}
		b = appendJSONString(b, last)
		b = appendKeyString(b, `,"result":`, tx.Result.String())
		b = append(b, "}\n"...)
	}
	return b
}
