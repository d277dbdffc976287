package classify

import "bytes"

// Content, not the port, tells SMTP from the protocols that look like it
// at first sight: an FTP server greets with "220" too, an NNTP server with
// "200". As in Zeek's protocol detection, both sides must fit: the
// server's first line an SMTP greeting, the client's first command an
// SMTP command.

// foreignCommands are first client commands of other protocols, with the
// protocol they belong to. SMTP's AUTH takes a SASL mechanism; "AUTH TLS"
// and "AUTH SSL" are FTP's (RFC 4217).
var foreignCommands = []struct {
	prefix, proto string
}{
	{"USER ", "FTP or POP3"}, {"PASS ", "FTP or POP3"}, {"AUTH TLS", "FTP"}, {"AUTH SSL", "FTP"},
	{"FEAT", "FTP"}, {"SYST", "FTP"}, {"OPTS ", "FTP"}, {"PASV", "FTP"}, {"EPSV", "FTP"},
	{"PWD", "FTP"}, {"CAPA", "POP3"}, {"STLS", "POP3"}, {"APOP ", "POP3"},
	{"GET ", "HTTP"}, {"POST ", "HTTP"}, {"HEAD ", "HTTP"}, {"PUT ", "HTTP"}, {"OPTIONS ", "HTTP"},
	{"CONNECT ", "HTTP"}, {"MODE READER", "NNTP"}, {"ARTICLE", "NNTP"},
}

// foreignProtocol names the protocol a client's first command line
// belongs to when it is not SMTP's, or "".
func foreignProtocol(line []byte) string {
	line = trimCR(line)
	for _, f := range foreignCommands {
		if len(line) >= len(f.prefix) && bytes.EqualFold(line[:len(f.prefix)], []byte(f.prefix)) ||
			len(line) == len(f.prefix)-1 && f.prefix[len(f.prefix)-1] == ' ' && bytes.EqualFold(line, []byte(f.prefix[:len(f.prefix)-1])) {
			return f.proto
		}
	}
	return ""
}

// greetingIsSMTP reports whether a first reply code can be an SMTP
// greeting (RFC 5321 section 4.3.2: 220, or a refusal 554, and the 4xx
// and 5xx codes servers use to turn a client away). NNTP's 200 and 201
// are not.
func greetingIsSMTP(code int) bool {
	return code == 220 || code/100 == 4 || code/100 == 5
}
