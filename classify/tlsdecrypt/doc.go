// Package tlsdecrypt decrypts the records of one TLS 1.2 or TLS 1.3
// connection with the secrets of an NSS key log (the SSLKEYLOGFILE format
// written by OpenSSL, GnuTLS, NSS, Go and others).
//
// A KeyLog holds the secrets, indexed by client random. A Conn follows one
// connection: the caller hands it every TLS record of both directions, each
// whole (the 5-byte header and its body), in the order each direction sent
// them, starting with the ClientHello. Conn reads the ClientHello and
// ServerHello in clear to learn the client random, the version and the
// cipher suite, derives the record keys from the key log and decrypts every
// protected record after that: in TLS 1.2 from each side's
// ChangeCipherSpec on, in TLS 1.3 every application_data record after the
// ServerHello, switching from the handshake to the application traffic keys
// after each side's Finished and to the next generation at each KeyUpdate.
//
// The package only reads captures: it checks every record's authentication
// tag or MAC (a failure means the keys do not belong to the session) but
// makes no effort to be constant-time, and it never verifies the handshake
// transcript.
//
// Supported: TLS 1.3 with TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and
// TLS_CHACHA20_POLY1305_SHA256; TLS 1.2 with the AES-GCM, ChaCha20-Poly1305
// and AES-CBC (HMAC-SHA1, -SHA256, -SHA384, MAC-then-encrypt or
// encrypt_then_mac) suites of the RSA, DHE_RSA, ECDHE_RSA and ECDHE_ECDSA key
// exchanges. TLS 1.0 and 1.1, CCM suites, renegotiation and 0-RTT early data
// are not decrypted.
package tlsdecrypt
