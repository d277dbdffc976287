package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/classify/tlsdecrypt"
	"github.com/esaflow/esaflow/engine"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/maillog"
)

// TrackerOptions are the connection-tracking settings of a command that
// reads captures: the same flags give the same connections and IDs.
type TrackerOptions struct {
	Ports string
	// PortsOnly restricts the tracking to Ports: set when --ports is
	// given. Without it, SMTP is also found by content on every other
	// TCP port.
	PortsOnly   bool
	IdleTimeout time.Duration
	MaxConns    int
	// BPF is a capture filter in tcpdump's language applied to the frames
	// of files (-f; live's -f is its kernel filter).
	BPF string
	// KeyLogs are TLS key log files (--keylog, NSS format): the sessions
	// whose secrets they hold are decrypted.
	KeyLogs []string
	// MailLogs are the mail server's log files (--maillog), read as one
	// rotated set; MailLogYear and MailLogZone say what syslog lines
	// leave out.
	MailLogs    []string
	MailLogYear int
	MailLogZone string
	portsFlag   *pflag.Flag
	// log is the --maillog files, read (engineOptions, or live's start).
	log *maillog.Log
	// followKeys: the key logs are followed as they grow (live), from
	// keyOffsets, the bytes of each read at start.
	followKeys bool
	keyOffsets []int64
}

// joined returns s behind the join with the --maillog files, if any.
func (o *TrackerOptions) joined(s engine.Sink) engine.Sink {
	if o.log == nil {
		return s
	}
	return o.log.Renderer(s)
}

// addFlags defines --ports, --idle-timeout and --max-conns on cmd, for a
// command that reads capture files.
func (o *TrackerOptions) addFlags(cmd *cobra.Command) {
	o.define(cmd, "SMTP server ports, comma-separated, ranges allowed; given, only these ports are looked at (by default SMTP is also found by content on any port)",
		flow.DefaultIdleTimeout, "decide a connection after this long without packets (packet time)")
	cmd.Flags().StringVarP(&o.BPF, "filter", "f", "", "BPF filter (tcpdump's language, e.g. 'host 198.51.100.7'): only the frames it matches are read (needs a build with libpcap)")
}

// match returns the frame filter of -f, or nil when none was given; a
// filter that does not compile is a usage error.
func (o *TrackerOptions) match() (func(*capture.Packet) bool, error) {
	if o.BPF == "" {
		return nil, nil
	}
	f, err := capture.NewFilter(o.BPF)
	if err != nil {
		return nil, usageErr(fmt.Errorf("-f: %w", err))
	}
	return f.Matches, nil
}

// liveIdleTimeout is live's default idle timeout, shorter than the files':
// live decides in wall-clock time, for someone watching, and a capture
// running for days would otherwise keep every silent connection ten
// minutes.
const liveIdleTimeout = 5 * time.Minute

// addLiveFlags defines the same flags for live, whose capture filter takes
// only the --ports (so no SMTP is found on other ports) and whose idle
// timeout is wall-clock time (liveIdleTimeout).
func (o *TrackerOptions) addLiveFlags(cmd *cobra.Command) {
	o.PortsOnly, o.followKeys = true, true
	o.define(cmd, "SMTP server ports, comma-separated, ranges allowed; the capture filter takes only these",
		liveIdleTimeout, "decide a connection after this long without packets (wall-clock time; shorter than analyze's 10m: verdicts for someone watching)")
}

func (o *TrackerOptions) define(cmd *cobra.Command, portsHelp string, idle time.Duration, idleHelp string) {
	f := cmd.Flags()
	f.StringVar(&o.Ports, "ports", flow.DefaultPorts, portsHelp)
	o.portsFlag = f.Lookup("ports")
	f.DurationVar(&o.IdleTimeout, "idle-timeout", idle, idleHelp)
	f.IntVar(&o.MaxConns, "max-conns", flow.DefaultMaxConns, "most open connections tracked at once; the least recently active is decided early past it")
	f.StringArrayVar(&o.MailLogs, "maillog", nil, "the mail server's log (Postfix syslog, Cisco ESA mail_logs, Exim mainlog; gzip or not; repeatable, rotated files in any order): join it to the connections and flag where the two disagree")
	f.IntVar(&o.MailLogYear, "maillog-year", 0, "the year of syslog lines, which carry none (default: the year of the packets they are joined to)")
	f.StringVar(&o.MailLogZone, "maillog-tz", "UTC", "the time zone of log lines that carry none: an IANA name (Europe/Paris), UTC, or Local")
	f.StringArrayVar(&o.KeyLogs, "keylog", nil, "TLS key log (NSS format, as SSLKEYLOGFILE writes it; repeatable): decrypt the sessions whose secrets it holds and follow their SMTP dialogue (a pcapng's embedded secrets are used too)")
}

// keyLog reads the --keylog files into one key log (nil without any); a
// file that cannot be read is a usage error, one without a secret a note.
func (o *TrackerOptions) keyLog(stdio IO) (*tlsdecrypt.KeyLog, error) {
	if len(o.KeyLogs) == 0 {
		return nil, nil
	}
	keys := tlsdecrypt.NewKeyLog()
	for _, name := range o.KeyLogs {
		f, err := os.Open(name)
		if err != nil {
			return nil, usageErr(fmt.Errorf("--keylog: %w", err))
		}
		skipped := keys.Skipped()
		b, err := io.ReadAll(io.LimitReader(f, maxKeyLogSize))
		f.Close()
		if err != nil {
			return nil, usageErr(fmt.Errorf("--keylog %s: %w", name, err))
		}
		if o.followKeys {
			b = b[:bytes.LastIndexByte(b, '\n')+1] // a line being written is read when whole
		}
		o.keyOffsets = append(o.keyOffsets, int64(len(b)))
		n, _ := keys.Read(bytes.NewReader(b))
		if n == 0 && !o.followKeys { // live reads what is appended later
			fmt.Fprintf(stdio.notes(), "esaflow: --keylog %s: no TLS secret in it (%d of its lines not understood)\n", name, keys.Skipped()-skipped)
		}
	}
	return keys, nil
}

// mailLog reads the --maillog files (nil without any); errors are usage
// errors naming the file.
func (o *TrackerOptions) mailLog() (*maillog.Log, error) {
	if len(o.MailLogs) == 0 {
		if o.MailLogYear != 0 || o.MailLogZone != "UTC" && o.MailLogZone != "" {
			return nil, usageErr(errors.New("--maillog-year and --maillog-tz say how to read --maillog files; give one"))
		}
		return nil, nil
	}
	loc, err := time.LoadLocation(o.MailLogZone)
	if err != nil {
		return nil, usageErr(fmt.Errorf("--maillog-tz %q: %w", o.MailLogZone, err))
	}
	l := maillog.New(maillog.Options{Year: o.MailLogYear, Location: loc})
	if err := l.ReadFiles(o.MailLogs); err != nil {
		return nil, usageErr(fmt.Errorf("--maillog: %w", err))
	}
	return l, nil
}

// maxKeyLogSize bounds what is read of a key log file: a session's
// secrets take a few hundred bytes.
const maxKeyLogSize = 256 << 20

// config checks the settings and returns the tracker's configuration;
// errors are usage errors.
func (o *TrackerOptions) config() (flow.Config, error) {
	ports, err := parsePorts(o.Ports)
	if err != nil {
		return flow.Config{}, err
	}
	if o.IdleTimeout <= 0 {
		return flow.Config{}, usageErr(errors.New("--idle-timeout must be positive"))
	}
	if o.MaxConns <= 0 {
		return flow.Config{}, usageErr(errors.New("--max-conns must be positive"))
	}
	only := o.PortsOnly || o.portsFlag != nil && o.portsFlag.Changed
	return flow.Config{Ports: ports, AnyPort: !only, IdleTimeout: o.IdleTimeout, MaxConns: o.MaxConns}, nil
}
