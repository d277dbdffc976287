package capture

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// TestSecretsOfAnInjectedKeyLog: a pcapng file into which editcap
// --inject-secrets put a TLS key log hands out that key log, byte for
// byte, and the same frames as the pcap it was made from.
func TestSecretsOfAnInjectedKeyLog(t *testing.T) {
	for _, base := range []string{"tls_kl_12_gcm_postfix_msmtp", "tls_kl_13_gcm_exim_swaks"} {
		dir := "../testdata/captures/"
		keys, err := os.ReadFile(dir + base + ".keys")
		if err != nil {
			t.Fatal(err)
		}
		src, err := Open(dir+base+"_dsb.pcapng", nil)
		if err != nil {
			t.Fatal(err)
		}
		var got [][]byte
		src.Secrets().OnSecrets(func(kind uint32, data []byte) {
			if kind != SecretsTLSKeyLog {
				t.Errorf("%s: secrets type %#x", base, kind)
			}
			got = append(got, data)
		})
		frames := countFrames(t, src)
		src.Close()
		if len(got) != 1 || !bytes.Equal(bytes.TrimRight(got[0], "\n"), bytes.TrimRight(keys, "\n")) {
			t.Errorf("%s: secrets %q, want the key log %q", base, got, keys)
		}
		plain, err := Open(dir+base+".pcap", nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := countFrames(t, plain); frames != want {
			t.Errorf("%s: %d frames with the secrets, %d without", base, frames, want)
		}
		plain.Close()
		if len(plain.Secrets().pending) != 0 {
			t.Errorf("%s.pcap has secrets", base)
		}
	}
}

func countFrames(t *testing.T, src *File) int {
	t.Helper()
	n := 0
	for {
		var p Packet
		if err := src.Next(&p); err == io.EOF {
			return n
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
}
