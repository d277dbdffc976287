package tlsdecrypt

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
)

// randomLen is the length of a ClientHello or ServerHello random.
const randomLen = 32

// masterSecretLen is the length of a TLS 1.2 master secret.
const masterSecretLen = 48

// maxKeyLogLine is the longest key log line read; longer lines are skipped.
// The longest valid line (a label, a 64-digit random and a 128-digit
// secret) is well under it.
const maxKeyLogLine = 1024

// Key log labels this package uses.
const (
	labelClientRandom     = "CLIENT_RANDOM"
	labelClientHandshake  = "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
	labelServerHandshake  = "SERVER_HANDSHAKE_TRAFFIC_SECRET"
	labelClientTraffic0   = "CLIENT_TRAFFIC_SECRET_0"
	labelServerTraffic0   = "SERVER_TRAFFIC_SECRET_0"
	minTLS13SecretLen     = 32
	maxTLS13SecretLen     = 64
	clientRandomHexDigits = 2 * randomLen
)

// secrets are the key log's secrets for one client random; a nil slice is
// a secret the log did not hold.
type secrets struct {
	master          []byte // TLS 1.2 master secret
	clientHandshake []byte // TLS 1.3 client handshake traffic secret
	serverHandshake []byte // TLS 1.3 server handshake traffic secret
	clientTraffic0  []byte // TLS 1.3 first client application traffic secret
	serverTraffic0  []byte // TLS 1.3 first server application traffic secret
}

// KeyLog holds the secrets of an NSS key log (the SSLKEYLOGFILE format:
// lines "LABEL <client_random hex> <secret hex>", '#' comments and blank
// lines), indexed by client random. It keeps CLIENT_RANDOM (the TLS 1.2
// master secret) and the TLS 1.3 CLIENT_HANDSHAKE_TRAFFIC_SECRET,
// SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0 and
// SERVER_TRAFFIC_SECRET_0; other labels (EXPORTER_SECRET, the early
// secrets, OpenSSL's CLIENT_TRAFFIC_SECRET_N after a KeyUpdate, ...) are
// counted by Ignored. Its zero value is not usable: make one with
// NewKeyLog. It is safe for concurrent use: secrets may be read into it
// (a capture's embedded key log, as the capture is read) while Conns look
// up theirs, each of which gets a copy.
type KeyLog struct {
	mu      sync.RWMutex
	entries map[[randomLen]byte]*secrets
	skipped int
	ignored int
}

// NewKeyLog returns an empty KeyLog.
func NewKeyLog() *KeyLog {
	return &KeyLog{entries: make(map[[randomLen]byte]*secrets)}
}

// Read adds the key log lines of r and returns how many it kept. It is
// tolerant: a line it cannot parse is counted by Skipped, a line with a
// label it does not use by Ignored, and neither stops it. A later line for
// the same client random and label replaces the earlier one. The error is
// only ever a read error of r, wrapped.
func (k *KeyLog) Read(r io.Reader) (added int, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	br := bufio.NewReaderSize(r, maxKeyLogLine)
	first := true
	for {
		line, rerr := br.ReadSlice('\n')
		if errors.Is(rerr, bufio.ErrBufferFull) {
			k.skipped++
			if rerr = discardLine(br); rerr == io.EOF {
				return added, nil
			} else if rerr != nil {
				return added, fmt.Errorf("tlsdecrypt: reading key log: %w", rerr)
			}
			first = false
			continue
		}
		if first {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
			first = false
		}
		if len(line) > 0 && k.addLine(line) {
			added++
		}
		if rerr == io.EOF {
			return added, nil
		}
		if rerr != nil {
			return added, fmt.Errorf("tlsdecrypt: reading key log: %w", rerr)
		}
	}
}

// discardLine reads past the rest of an overlong line.
func discardLine(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}

// addLine parses one key log line and reports whether it kept a secret.
func (k *KeyLog) addLine(line []byte) bool {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == '#' {
		return false
	}
	fields := bytes.Fields(line)
	if len(fields) != 3 || !isLabel(fields[0]) {
		k.skipped++
		return false
	}
	label := string(fields[0])
	switch label {
	case labelClientRandom, labelClientHandshake, labelServerHandshake, labelClientTraffic0, labelServerTraffic0:
	default:
		k.ignored++
		return false
	}
	var random [randomLen]byte
	if len(fields[1]) != clientRandomHexDigits {
		k.skipped++
		return false
	}
	if _, err := hex.Decode(random[:], fields[1]); err != nil {
		k.skipped++
		return false
	}
	secret := make([]byte, hex.DecodedLen(len(fields[2])))
	if _, err := hex.Decode(secret, fields[2]); err != nil || !secretLenOK(label, len(secret)) {
		k.skipped++
		return false
	}
	e := k.entries[random]
	if e == nil {
		e = &secrets{}
		k.entries[random] = e
	}
	switch label {
	case labelClientRandom:
		e.master = secret
	case labelClientHandshake:
		e.clientHandshake = secret
	case labelServerHandshake:
		e.serverHandshake = secret
	case labelClientTraffic0:
		e.clientTraffic0 = secret
	case labelServerTraffic0:
		e.serverTraffic0 = secret
	}
	return true
}

// isLabel reports whether b looks like a key log label: upper-case
// letters, digits and underscores.
func isLabel(b []byte) bool {
	for _, c := range b {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return len(b) > 0
}

// secretLenOK reports whether n bytes is a plausible secret for label.
func secretLenOK(label string, n int) bool {
	if label == labelClientRandom {
		return n == masterSecretLen
	}
	return n >= minTLS13SecretLen && n <= maxTLS13SecretLen
}

// Len returns the number of client randoms the KeyLog holds secrets for.
func (k *KeyLog) Len() int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return len(k.entries)
}

// Skipped returns the number of lines Read could not parse: a wrong number
// of fields, bad hex, a client random that is not 32 bytes, a secret of
// the wrong size, a line over 1 KiB.
func (k *KeyLog) Skipped() int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.skipped
}

// Ignored returns the number of well-formed lines Read passed over because
// this package does not use their label (EXPORTER_SECRET,
// CLIENT_EARLY_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_N, ...).
func (k *KeyLog) Ignored() int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.ignored
}

// lookup returns a copy of the secrets for a client random, or nil.
func (k *KeyLog) lookup(random [randomLen]byte) *secrets {
	if k == nil {
		return nil
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	e := k.entries[random]
	if e == nil {
		return nil
	}
	c := *e
	return &c
}
