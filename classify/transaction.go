package classify

import (
	"fmt"
	"time"

	"github.com/esaflow/esaflow/flow"
)

// Transaction is one mail transaction of a connection, from a MAIL command
// to what became of it: the message accepted, the sender, every recipient
// or the message refused, a temporary failure, a RSET, or the end of the
// connection first (Zeek's smtp.log record, trans_depth its Depth). Its
// strings are escaped wire text, in the record's memory (Record.Clone
// copies them).
type Transaction struct {
	// Depth numbers the transactions of a connection from 1. (The counts
	// are 32-bit: a session is allocated for every connection, and its
	// first transaction is part of it.)
	Depth int32
	// Time is the timestamp of the packet that carried the MAIL command.
	Time time.Time
	// MailFrom is the MAIL FROM path ("" for the null sender <>).
	MailFrom string
	// RcptFrom and Rcpts locate its recipients in the record's RcptTo:
	// RcptTo[RcptFrom:RcptFrom+Rcpts] (fewer past MaxRcptTo).
	RcptFrom, Rcpts int32
	// MailCode is the reply to MAIL (0: none seen), DataCode the reply to
	// DATA (0: no DATA, or BDAT), EndCode the reply to the end of the
	// message (the final dot or BDAT LAST).
	MailCode, DataCode, EndCode int32
	// RcptAccepted, RcptRefused and RcptDeferred count the replies to its
	// RCPT commands by class (2xx, 5xx, 4xx).
	RcptAccepted, RcptRefused, RcptDeferred int32
	// LastCode and LastText are the code and first line of the last reply
	// to one of its commands (but RSET), e.g. 250 and "2.0.0 Ok: queued as
	// 4Fx" (Zeek's last_reply).
	LastCode int32
	LastText string
	// Result is what became of it.
	Result TransactionResult
}

// TransactionResult tells what became of a mail transaction, from the
// server's replies.
type TransactionResult uint8

const (
	// TxOpen: not decided yet (only while the connection is open).
	TxOpen TransactionResult = iota
	// TxDelivered: a 2xx to the end of the message.
	TxDelivered
	// TxSenderRefused: a 5xx to MAIL (other than 530).
	TxSenderRefused
	// TxTLSRequired: 530 to MAIL: the server takes mail only under TLS.
	TxTLSRequired
	// TxRecipientsRefused: no RCPT accepted, at least one refused (5xx),
	// and no message accepted.
	TxRecipientsRefused
	// TxMessageRefused: a 5xx to DATA or to the end of the message after a
	// recipient was accepted.
	TxMessageRefused
	// TxDeferred: a 4xx to MAIL, DATA or the end of the message, or to
	// every RCPT: the client is to try again later.
	TxDeferred
	// TxReset: the client sent RSET before the message was accepted.
	TxReset
	// TxAborted: the connection was closed (QUIT, FIN or RST) before the
	// transaction was decided.
	TxAborted
	// TxIncomplete: the capture ended, or the connection went idle, before
	// the transaction was decided: what became of it is not in the capture.
	TxIncomplete
)

var transactionResultNames = [...]string{"", "delivered", "sender_refused", "tls_required", "recipients_refused", "message_refused", "deferred", "reset", "aborted", "incomplete"}

// String returns the result's name as the transactions output writes it.
func (r TransactionResult) String() string {
	if int(r) < len(transactionResultNames) {
		return transactionResultNames[r]
	}
	return fmt.Sprintf("TransactionResult(%d)", int(r))
}

// TransactionResultNames lists every result's name, in order.
func TransactionResultNames() []string { return transactionResultNames[1:] }

// MaxTransactions bounds the transactions kept per connection;
// Record.TransactionsOmitted counts the rest.
const MaxTransactions = 100

// openTransaction starts a transaction at a MAIL command sent at t.
func (s *session) openTransaction(path string, t time.Time) {
	s.txOpen = 0
	if len(s.rec.Transactions) >= MaxTransactions {
		s.rec.TransactionsOmitted++
		return
	}
	if s.rec.Transactions == nil {
		// The first transaction in the session's own slot: most
		// connections have one, and a new session then allocates none.
		s.rec.Transactions = s.tx1[:0:1]
	}
	s.rec.Transactions = append(s.rec.Transactions, Transaction{
		Depth: int32(len(s.rec.Transactions) + 1), Time: t, MailFrom: path, RcptFrom: int32(len(s.rec.RcptTo))})
	s.txOpen = len(s.rec.Transactions)
}

// transactionReply applies a reply (code, its first line) to the
// transaction its command belongs to.
func (s *session) transactionReply(cmd command, code int, line string) {
	if cmd.tx == 0 || int(cmd.tx) > len(s.rec.Transactions) {
		return
	}
	tx := &s.rec.Transactions[cmd.tx-1]
	if cmd.v != verbRSET {
		tx.LastCode, tx.LastText = int32(code), line
	}
	class := code / 100
	decide := func(r TransactionResult) {
		if tx.Result == TxOpen {
			tx.Result = r
		}
	}
	switch cmd.v {
	case verbMAIL:
		tx.MailCode = int32(code)
		switch {
		case code == 530:
			decide(TxTLSRequired)
		case class == 5:
			decide(TxSenderRefused)
		case class == 4:
			decide(TxDeferred)
		}
	case verbRCPT:
		switch class {
		case 2:
			tx.RcptAccepted++
		case 5:
			tx.RcptRefused++
		case 4:
			tx.RcptDeferred++
		}
	case verbDATA:
		tx.DataCode = int32(code)
		switch {
		case code == 354:
		case tx.RcptAccepted == 0 && tx.RcptRefused > 0:
			decide(TxRecipientsRefused)
		case tx.RcptAccepted == 0 && tx.RcptDeferred > 0, class == 4:
			decide(TxDeferred)
		case class == 5:
			decide(TxMessageRefused)
		}
	case verbDataEnd, verbBDAT:
		if cmd.v == verbBDAT && !cmd.last && class == 2 {
			return // a chunk accepted; the message is not over
		}
		tx.EndCode = int32(code)
		switch class {
		case 2:
			decide(TxDelivered)
		case 5:
			decide(TxMessageRefused)
		case 4:
			decide(TxDeferred)
		}
	case verbRSET:
		decide(settle(tx, TxReset))
	}
}

// settle is what an undecided transaction ends as when the client moves
// on (RSET) or the connection ends: refused or deferred when every
// recipient was, else fallback.
func settle(tx *Transaction, fallback TransactionResult) TransactionResult {
	switch {
	case tx.MailCode/100 == 2 && tx.RcptAccepted == 0 && tx.RcptRefused > 0:
		return TxRecipientsRefused
	case tx.MailCode/100 == 2 && tx.RcptAccepted == 0 && tx.RcptDeferred > 0:
		return TxDeferred
	}
	return fallback
}

// closeTransactions decides the transactions still open when the
// connection is decided, for the reason why.
func (s *session) closeTransactions(why flow.CloseReason) {
	for i := range s.rec.Transactions {
		tx := &s.rec.Transactions[i]
		if tx.Result != TxOpen {
			continue
		}
		if why == flow.CloseTeardown || why == flow.CloseReused || s.quit {
			tx.Result = settle(tx, TxAborted)
		} else {
			tx.Result = settle(tx, TxIncomplete)
		}
	}
}
