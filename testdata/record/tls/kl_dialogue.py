#!/usr/bin/env python3
"""Print the SMTP dialogue of each connection of a capture, decrypting what
follows STARTTLS (or, with implicit TLS, the whole session) with a TLS key
log, and judge the session's verdict and outcome from it. Part of the esaflow TLS recording rig (testdata/record/tls.sh), used to
write and check the tls_kl_*.decrypted.expect files; runs tshark, standard
library only.

  kl_dialogue.py CAPTURE [KEYLOG]

KEYLOG is an NSS key log file; without it (or with "-") secrets embedded in
a pcapng (Decryption Secrets Block) are used, if any. Output, one line each:
  conn N CLIENT -> SERVER:PORT
  S: 220 mx.example.net ESMTP Postfix            (a reply: code, first line; "+k lines")
  C: EHLO client.example.org                     (a command line)
  -- TLS (decrypted) --                          (after the 220 to STARTTLS)
  -- implicit TLS from the first byte (decrypted) --   (the client's first
                                                 bytes are a TLS handshake record)
  C: <message: 18 lines, 861 bytes>  C: .        (the DATA body)
  tls: TLSv1.3 TLS_AES_128_GCM_SHA256; decrypted handshake/alerts: ...
  end: C FIN, S FIN                              (FIN/RST in capture order)
  verdict: ACCEPT                                (judged from the greeting)
  outcome: DELIVERED                             (judged from the above)
The verdict is esaflow's for the greeting (2xx ACCEPT, 4xx TEMPFAIL, 5xx
REJECT; ACCEPT for implicit TLS whose greeting could not be decrypted); the
outcome uses esaflow's outcome names and precedence for plaintext sessions
(DELIVERED > TLS > ... > SENDER_REJECTED > RECIPIENT_REJECTED > DEFERRED >
RESET > QUIT > INCOMPLETE); TLS when nothing after STARTTLS (or on an
implicit-TLS connection) could be decrypted; "-" (none) when the verdict is
not ACCEPT.
"""
import re
import subprocess
import sys

cap = sys.argv[1]
keys = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "-" else None
TS = ["tshark", "-r", cap, "-d", "tcp.port==25,smtp"]
if keys:
    TS += ["-o", "tls.keylog_file:" + keys]


def tshark(*args):
    return subprocess.run(TS + list(args), check=True, capture_output=True, text=True).stdout


def follow(kind, stream):
    """Chunks of a stream as [(node, bytes)], node 0 = the first talker."""
    out = tshark("-q", "-z", f"follow,{kind},raw,{stream}")
    chunks, nodes = [], {}
    for line in out.splitlines():
        m = re.match(r"Node (\d): (.*)$", line)
        if m:
            nodes[int(m.group(1))] = m.group(2)
            continue
        if not line.strip() or line.startswith("=") or ":" in line:
            continue
        node = 1 if line.startswith("\t") else 0
        try:
            chunks.append((node, bytes.fromhex(line.strip())))
        except ValueError:
            pass
    srv = 1 if nodes.get(1, "").endswith((":25", ":465")) else 0
    return chunks, nodes, srv


class Dialogue:
    def __init__(self, server_node):
        self.srv = server_node
        self.lines = []  # printed lines
        self.ev = []  # (who, code or command)
        self.buf = {0: b"", 1: b""}
        self.data_mode = False  # client is sending a message body
        self.msg_lines = self.msg_bytes = 0
        self.rep = None  # reply being read: [code, first text, n]
        self.last_cmd = None

    def feed(self, node, data):
        self.buf[node] += data
        while b"\n" in self.buf[node]:
            line, self.buf[node] = self.buf[node].split(b"\n", 1)
            line = line.rstrip(b"\r").decode("utf-8", "replace")
            (self.server_line if node == self.srv else self.client_line)(line)

    def client_line(self, line):
        if self.data_mode:
            if line == ".":
                self.lines.append(f"C: <message: {self.msg_lines} lines, {self.msg_bytes} bytes>")
                self.lines.append("C: .")
                self.ev.append(("C", "."))
                self.last_cmd = "."
                self.data_mode = False
            else:
                self.msg_lines += 1
                self.msg_bytes += len(line) + 2
            return
        self.lines.append("C: " + line)
        self.last_cmd = line.split(" ", 1)[0].split(":", 1)[0].upper()
        self.ev.append(("C", self.last_cmd))

    def server_line(self, line):
        m = re.match(r"(\d{3})([ -]?)(.*)$", line)
        if not m:
            self.lines.append("S: ?? " + line)
            return
        code, sep, text = m.groups()
        if self.rep is None:
            self.rep = [code, text, 0]
        self.rep[2] += 1
        if sep == "-":
            return
        code, first, n = self.rep
        self.rep = None
        self.lines.append(f"S: {code} {first}" + (f" (+{n - 1} lines)" if n > 1 else ""))
        self.ev.append(("S", int(code)))
        if int(code) == 354:
            self.data_mode, self.msg_lines, self.msg_bytes = True, 0, 0


def verdict(ev):
    """esaflow's verdict, judged from the greeting (the first reply)."""
    greeting = next((x for who, x in ev if who == "S"), None)
    if greeting is None or 200 <= greeting < 300:
        return "ACCEPT"
    return {4: "TEMPFAIL", 5: "REJECT"}.get(greeting // 100, "NOT_SMTP")


def outcome(ev, ends, decrypted):
    """esaflow's outcome names, judged from the command/reply sequence."""
    if verdict(ev) != "ACCEPT":
        return "-"  # an outcome only follows an ACCEPT greeting
    pending = []  # commands awaiting replies, in order
    delivered = sender_rej = deferred = quit = False
    rcpt = rcpt5 = 0
    for who, x in ev:
        if who == "C":
            pending.append(x)
            continue
        cmd = pending.pop(0) if pending else None
        if cmd == "." and 200 <= x < 300:
            delivered = True
        if cmd == "MAIL" and x >= 500:
            sender_rej = True
        if cmd == "RCPT":
            rcpt += 1
            rcpt5 += x >= 500
        if cmd in ("MAIL", "RCPT", "DATA", ".") and 400 <= x < 500 or x == 421:
            deferred = True
        if cmd == "QUIT":
            quit = True
    if delivered:
        return "DELIVERED"
    if not decrypted:
        return "TLS"
    if sender_rej:
        return "SENDER_REJECTED"
    if rcpt and rcpt == rcpt5:
        return "RECIPIENT_REJECTED"
    if deferred:
        return "DEFERRED"
    if any("RST" in e for e in ends) and not quit:
        return "RESET"
    if quit or ends:
        return "QUIT"
    return "INCOMPLETE"


streams = sorted({int(s) for s in tshark("-Y", "tcp.flags.syn==1 && tcp.flags.ack==0", "-T", "fields", "-e", "tcp.stream").split()})
for st in streams:
    clear, nodes, srv_node = follow("tcp", st)
    d = Dialogue(srv_node)
    sys.stdout.flush()
    print(f"conn {st} {nodes.get(1 - srv_node)} -> {nodes.get(srv_node)}")
    # clear text up to the server's 220 to STARTTLS (then TLS records);
    # implicit TLS: the client's first bytes are a TLS handshake record
    starttls = False
    implicit = bool(clear) and clear[0][0] != srv_node and clear[0][1][:1] == b"\x16"
    for node, data in ([] if implicit else clear):
        if starttls and (node != srv_node or data[:1] == b"\x16"):
            break
        if node == srv_node and starttls:
            d.feed(node, data)
            break
        d.feed(node, data)
        if d.last_cmd == "STARTTLS" and node != srv_node:
            starttls = True
    decrypted = False
    if implicit or starttls and d.ev and d.ev[-1] == ("S", 220):
        tls_chunks, tls_nodes, _ = follow("tls", st)
        # tshark names the nodes of a TLS follow by address (one may show
        # as ":0"): the server is the node that is not the client
        cli, srv = nodes.get(1 - srv_node), nodes.get(srv_node)
        tls_srv = None
        for n in (0, 1):
            if tls_nodes.get(n) == srv:
                tls_srv = n
            elif tls_nodes.get(n) == cli:
                tls_srv = 1 - n
        if tls_srv is None and tls_chunks:
            sys.exit(f"stream {st}: cannot tell the nodes of the TLS follow apart: {tls_nodes}")
        head = "implicit TLS from the first byte" if implicit else "TLS"
        d.lines.append(f"-- {head} (decrypted) --" if tls_chunks else f"-- {head}: nothing decrypted with this key log --")
        decrypted = bool(tls_chunks)
        d.buf = {0: b"", 1: b""}
        for node, data in tls_chunks:  # node numbers as the clear-text stream's
            d.feed(srv_node if node == tls_srv else 1 - srv_node, data)
    for line in d.lines:
        print(line)
    # the handshake as tshark reads it, decrypted records' types
    f = (tshark("-Y", f"tcp.stream=={st} && tls.handshake.type==2", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
                "-e", "tls.handshake.extensions.supported_version", "-e", "tls.handshake.version", "-e", "tls.handshake.ciphersuite",
                "-e", "tls.handshake.extension.type").strip("\n") + "\t\t\t").split("\t")
    if f[2]:
        ver = "TLSv1.3" if f[0] == "0x0304" else {"0x0303": "TLSv1.2"}.get(f[1], f[1])
        info = f"ServerHello {ver} suite {f[2]}"
        if "22" in f[3].split(","):
            info += ", encrypt_then_mac"
    else:
        info = "no ServerHello"
    rows = tshark("-Y", f"tcp.stream=={st} && tls", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
                  "-e", "ip.src", "-e", "tcp.srcport", "-e", "tls.handshake.type", "-e", "tls.alert_message.desc")
    seen = []
    names = {"4": "NewSessionTicket", "24": "KeyUpdate", "5": "EndOfEarlyData", "20": "Finished", "8": "EncryptedExtensions"}
    for r in rows.splitlines():
        src, port, hs, al = (r.split("\t") + ["", "", "", ""])[:4]
        who = "S" if port in ("25", "465") else "C"
        for h in filter(None, hs.split(",")):
            if h in ("4", "24", "5"):
                seen.append(f"{names[h]} from {who}")
        for x in filter(None, al.split(",")):
            seen.append(f"alert {x} from {who}")
    print("tls: " + info + ("; " + ", ".join(seen) if seen else ""))
    ends = []
    for r in tshark("-Y", f"tcp.stream=={st} && (tcp.flags.fin==1 || tcp.flags.reset==1)", "-T", "fields",
                    "-e", "tcp.srcport", "-e", "tcp.flags.fin", "-e", "tcp.flags.reset").splitlines():
        port, fin, rst = r.split("\t")
        ends.append(("S" if port in ("25", "465") else "C") + (" RST" if rst in ("1", "True") else " FIN"))
    print("end: " + (", ".join(ends) if ends else "none"))
    print("verdict: " + verdict(d.ev))
    print("outcome: " + outcome(d.ev, ends, decrypted))
