// Package maillog reads mail servers' own logs — Postfix's (smtpd and
// postscreen, through syslog or postlogd), the Cisco Email Security
// Appliance's mail_logs and Exim's mainlog — into sessions, one per connection the server
// logged, and joins them to the connections esaflow decided from the
// wire: each record gets the log's identifiers and verdict, and every
// disagreement between the two is flagged with its evidence
// (FlagLogWireMismatch, FlagNotInLog) or counted (sessions not on the
// wire).
//
// Lines it does not understand are counted, never fatal. Syslog lines
// carry no year and no time zone: Options say which (by default the year
// of the packets a session is joined to, and UTC).
package maillog
