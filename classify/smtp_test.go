package classify

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestParseReplyLine(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		code int
		last bool
		text string
	}{
		{"220 mx.example ESMTP\r", true, 220, true, "mx.example ESMTP"},
		{"250-PIPELINING", true, 250, false, "PIPELINING"},
		{"250", true, 250, true, ""},
		{"554\r", true, 554, true, ""},
		{"22", false, 0, false, ""},
		{"2x0 hi", false, 0, false, ""},
		{"220hello", false, 0, false, ""},
		{"SSH-2.0-OpenSSH", false, 0, false, ""},
		{"999 nope", false, 0, false, ""},
	}
	for _, tc := range tests {
		r, ok := parseReplyLine([]byte(tc.in))
		if ok != tc.ok || (ok && (r.code != tc.code || r.last != tc.last || string(r.text) != tc.text)) {
			t.Errorf("parseReplyLine(%q) = %+v %v", tc.in, r, ok)
		}
	}
}

func TestParseEnhancedStatusCodes(t *testing.T) {
	for in, want := range map[string]string{
		"5.1.8 Domain of sender":          "5.1.8",
		"#5.1.8 Domain of sender address": "5.1.8",
		"2.0.0 Ok: queued":                "2.0.0",
		"4.7.0 TLS not available":         "4.7.0",
		"5.7.1":                           "5.7.1",
		"5.123.456 x":                     "5.123.456",
		"3.1.1 bad class":                 "",
		"5.1 short":                       "",
		"5.1.8x":                          "",
		"mx.example ESMTP":                "",
	} {
		if got := parseEnhanced([]byte(in)); got != want {
			t.Errorf("parseEnhanced(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEscapeWireText(t *testing.T) {
	for in, want := range map[string]string{
		"220 mx ESMTP":            "220 mx ESMTP",
		"220 evil\x1b[31mred":     `220 evil\x1b[31mred`,
		"a\\b":                    `a\\b`,
		"tab\there\r\n":           `tab\there\r\n`,
		"del\x7f":                 `del\x7f`,
		"caf\xc3\xa9":             "café",
		"bad\xff\xfe":             `bad\xff\xfe`,
		"c1\xc2\x9bcontrol":       `c1\xc2\x9bcontrol`,
		"bell\x07 and nul\x00end": `bell\x07 and nul\x00end`,
	} {
		if got := Escape([]byte(in)); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBodyEndSplitAcrossSegments(t *testing.T) {
	body := "Subject: x\r\n\r\n..leading dot\r\nline\r\n.\r\nQUIT\r\n"
	for cut := 1; cut < len(body); cut++ {
		var b bodyScanner
		rest, done := b.scan([]byte(body[:cut]))
		if !done {
			rest, done = b.scan([]byte(body[cut:]))
		} else {
			rest = append(rest, body[cut:]...)
		}
		if !done || string(rest) != "QUIT\r\n" {
			t.Fatalf("cut at %d: done=%v rest=%q", cut, done, rest)
		}
	}
}

func TestLongLineIsCutButCounted(t *testing.T) {
	var l lineBuf
	long := strings.Repeat("A", 5000)
	if _, _, _, ok := l.next([]byte(long)); ok {
		t.Fatal("a line without LF is complete")
	}
	line, n, rest, ok := l.next([]byte("BB\r\nNEXT"))
	if !ok || len(line) != maxLine || n != 5003 || string(rest) != "NEXT" {
		t.Fatalf("got len %d n %d rest %q ok %v", len(line), n, rest, ok)
	}
}

func TestPipelinedRepliesPairWithCommands(t *testing.T) {
	recs := runLadder(t, 25, ladder(handshake, []string{
		"S >220 mx", "C >EHLO c", "S >>250-mx\n250 PIPELINING\n",
		"C >>MAIL FROM:<a@b>\nRCPT TO:<c@d>\nRCPT TO:<e@f>\nDATA\n",
		"S >>250 2.1.0 ok\n250 2.1.5 ok\n550 5.1.1 <e@f> unknown\n354 go\n",
		"C >>x\n.\n", "S >250 2.0.0 queued", "C >QUIT", "S >221 bye", "S FA", "C FA"}))
	want := []string{"|220", "EHLO c|250", "MAIL FROM:<a@b>|250", "RCPT TO:<c@d>|250", "RCPT TO:<e@f>|550", "DATA|354", ".|250", "QUIT|221"}
	got := []string{}
	for _, r := range recs[0].Replies {
		got = append(got, r.Command+"|"+itoa(r.Code))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("pairs\n got %v\nwant %v", got, want)
	}
	if recs[0].Replies[4].Enhanced != "5.1.1" {
		t.Errorf("enhanced code %q", recs[0].Replies[4].Enhanced)
	}
}

func TestAuthCredentialsAreHidden(t *testing.T) {
	recs := runLadder(t, 587, ladder(handshake, []string{
		"S >220 mx", "C >EHLO c", "S >>250-mx\n250 AUTH LOGIN PLAIN\n",
		"C >AUTH LOGIN", "S >334 VXNlcm5hbWU6", "C >dXNlcg==", "S >334 UGFzc3dvcmQ6", "C >c2VjcmV0",
		"S >235 2.7.0 ok", "C >AUTH PLAIN AHVzZXIAc2VjcmV0", "S >503 already", "C >QUIT", "S >221 bye", "S FA", "C FA"}))
	var cmds []string
	for _, r := range recs[0].Replies {
		cmds = append(cmds, r.Command)
	}
	got := strings.Join(cmds, ",")
	if strings.Contains(got, "dXNlcg") || strings.Contains(got, "c2VjcmV0") || strings.Contains(got, "AHVzZX") {
		t.Fatalf("credentials leaked: %s", got)
	}
	if want := ",EHLO c,AUTH LOGIN,***,***,AUTH PLAIN ***,QUIT"; got != want {
		t.Errorf("commands %q, want %q", got, want)
	}
}

func TestStartTLSOfferedInEHLO(t *testing.T) {
	recs := runLadder(t, 25, ladder(handshake, []string{
		"S >220 mx", "C >EHLO c", "S >>250-mx\n250-STARTTLS\n250 8BITMIME\n", "C >QUIT", "S >221 bye", "S FA", "C FA"}))
	if st := recs[0].TLS; !st.Offered || st.Attempted || st.Result != "" {
		t.Errorf("starttls %+v", st)
	}
}

func TestBannerWithTerminalEscapeIsEscaped(t *testing.T) {
	recs := runLadder(t, 25, ladder(handshake, []string{"S >>220 mx\x1b]0;pwned\x07 ESMTP\n", "C >QUIT", "S >221 bye", "S FA", "C FA"}))
	if b := recs[0].Banner; b != `mx\x1b]0;pwned\x07 ESMTP` {
		t.Errorf("banner %q", b)
	}
}

func itoa(n int) string {
	return strings.TrimLeft(string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)}), "")
}

// FuzzSessionPayloads feeds arbitrary client and server bytes, split into
// segments, through a session: it must never panic and always decide.
func FuzzSessionPayloads(f *testing.F) {
	f.Add([]byte("EHLO x\r\nMAIL FROM:<a>\r\nRCPT TO:<b>\r\nDATA\r\nhi\r\n.\r\nBDAT 3 LAST\r\nabcQUIT\r\n"),
		[]byte("220 mx\r\n250-x\r\n250 STARTTLS\r\n250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n250 ok\r\n221 bye\r\n"), uint8(7))
	f.Add([]byte("STARTTLS\r\n\x16\x03\x01\x00\x01x"), []byte("220 mx\r\n220 go\r\n\x15\x03\x03\x00\x02\x02\x46"), uint8(3))
	f.Add([]byte("AUTH LOGIN\r\nxx\r\n"), []byte("220-a\r\n220 b\r\n334 VXNlcg==\r\n535 no\r\n"), uint8(1))
	f.Fuzz(func(t *testing.T, cli, srv []byte, cut uint8) {
		n := int(cut%16) + 1
		steps := append([]string{}, handshake...)
		for len(cli) > 0 || len(srv) > 0 {
			if len(srv) > 0 {
				k := min(n, len(srv))
				steps = append(steps, "S >>"+string(srv[:k]))
				srv = srv[k:]
			}
			if len(cli) > 0 {
				k := min(n+1, len(cli))
				steps = append(steps, "C >>"+string(cli[:k]))
				cli = cli[k:]
			}
		}
		steps = append(steps, "S FA", "C FA")
		if recs := runLadder(t, 25, steps); len(recs) != 1 {
			t.Fatalf("%d records", len(recs))
		}
	})
}

// TestReplyTextBannerAndEnhancedCode checks what a reply's one string is
// cut into: the greeting's banner is its first line, the enhanced code
// comes from the first line, or from the last when the last line's code
// differs (postscreen's "220-" cut short by "521"), escaping applies to
// every line, and a Cisco "#5.7.1" code keeps its digits only.
func TestReplyTextBannerAndEnhancedCode(t *testing.T) {
	r := oneRecord(t, ladder(handshake, []string{
		"S >>220-mx.example \x1b[1mESMTP\n521 5.5.1 Protocol error\n", "S FA", "C FA"}))
	if len(r.Replies) != 1 || r.Replies[0].Enhanced != "5.5.1" || r.Replies[0].Code != 521 ||
		r.Replies[0].Text != `mx.example \x1b[1mESMTP`+"\n5.5.1 Protocol error" || r.Banner != `mx.example \x1b[1mESMTP` {
		t.Fatalf("postscreen: banner %q, replies %+v", r.Banner, r.Replies)
	}
	r = oneRecord(t, ladder(handshake, []string{
		"S >220 mx.example ESMTP", "C >MAIL FROM:<a@example.org>",
		"S >>550-#5.7.1 first line\n550 second line\n", "C >QUIT", "S >221 Bye", "S FA", "C FA"}))
	if len(r.Replies) < 2 || r.Replies[1].Enhanced != "5.7.1" || r.Replies[1].Text != "#5.7.1 first line\nsecond line" {
		t.Fatalf("Cisco code: replies %+v", r.Replies)
	}
}

func TestParseVerb(t *testing.T) {
	for in, want := range map[string]verb{
		"EHLO client.example": verbEHLO, "ehlo x": verbEHLO, "HeLo x\r": verbHELO,
		"MAIL FROM:<a@b>": verbMAIL, "rcpt TO:<c@d>": verbRCPT, "DATA\r": verbDATA, "DATA": verbDATA,
		"BDAT 100 LAST": verbBDAT, "RSET": verbRSET, "NOOP\r": verbNOOP, "QUIT": verbQUIT,
		"STARTTLS\r": verbSTARTTLS, "starttls": verbSTARTTLS, "AUTH PLAIN": verbAUTH,
		"": verbOther, "\r": verbOther, "QUI": verbOther, "QUITS": verbOther, "STARTTLSX": verbOther,
		"DATAX": verbOther, " DATA": verbOther, "DATA\x00": verbOther, "MAIL:FROM": verbOther,
		"VRFY bob": verbOther, "XCLIENT ADDR=1.2.3.4": verbOther, "GET / HTTP/1.1\r": verbOther,
	} {
		if got := parseVerb([]byte(in)); got != want {
			t.Errorf("parseVerb(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestCommandQueueKeepsOrderAcrossReuse pushes and answers commands in
// random groups, past the queue's bound and across Resets, and checks
// them against a plain FIFO: moving the queue back to the front of its
// array must never lose or reorder a waiting command.
func TestCommandQueueKeepsOrderAcrossReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	s := new(session)
	var ref []command
	next := 0
	for round := range 3000 {
		if round%500 == 499 {
			s.reset()
			ref = ref[:0]
		}
		for range rng.IntN(8) {
			if rng.IntN(200) == 0 { // a burst past the bound
				for range maxQueued + rng.IntN(40) {
					c := command{text: itoa(next)}
					next++
					s.push(c)
					ref = append(ref, c)
				}
				continue
			}
			c := command{text: itoa(next)}
			next++
			s.push(c)
			ref = append(ref, c)
		}
		if len(ref) > maxQueued {
			ref = ref[len(ref)-maxQueued:]
		}
		for n := rng.IntN(len(ref) + 1); n > 0; n-- {
			s.queue, ref = s.queue[1:], ref[1:]
		}
		if len(s.queue) != len(ref) {
			t.Fatalf("round %d: %d commands waiting, want %d", round, len(s.queue), len(ref))
		}
		for i := range ref {
			if s.queue[i].text != ref[i].text {
				t.Fatalf("round %d: command %d is %q, want %q", round, i, s.queue[i].text, ref[i].text)
			}
		}
	}
}

// TestDurationFormatMatchesTheStandardLibrary checks appendDur against
// time.Duration's String on edges and on random durations of every size.
func TestDurationFormatMatchesTheStandardLibrary(t *testing.T) {
	ds := []time.Duration{0, -1, -time.Hour, 1, 499, 500, 999, time.Microsecond, 1500, 999499, 999500,
		time.Millisecond, time.Millisecond + time.Microsecond, 1002 * time.Microsecond, 1020 * time.Microsecond,
		time.Second - 1, time.Second, time.Second + time.Microsecond, 59*time.Second + 999999*time.Microsecond,
		time.Minute, time.Minute + 1500*time.Millisecond, time.Hour, time.Hour + time.Second, 25*time.Hour + 61*time.Second,
		math.MaxInt64, math.MaxInt64 - 1000}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		ds = append(ds, time.Duration(rng.Int64N(int64(1)<<rng.IntN(63))))
	}
	for _, d := range ds {
		want := max(d, 0).Round(time.Microsecond).String()
		if got := string(appendDur([]byte("x"), d)); got != "x"+want {
			t.Fatalf("appendDur(%d) = %q, want %q", d, got[1:], want)
		}
	}
}
