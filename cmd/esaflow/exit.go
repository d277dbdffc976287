package main

import (
	"fmt"
	"strings"
)

// exitCode is esaflow's process exit status. Every command uses these and
// no other; exitCodes documents them in the help and the README repeats it.
type exitCode int

const (
	// ExitOK: the input was analysed (and, for check, every expectation
	// holds).
	ExitOK exitCode = 0
	// ExitInput: some input could not be analysed: a file that is not a
	// capture, an unsupported link type, or a truncated or corrupt file (in
	// that case every verdict that could be decided is still printed).
	ExitInput exitCode = 1
	// ExitUsage: the command line is wrong, or an expectations file is
	// malformed.
	ExitUsage exitCode = 2
	// ExitCheckFailed: esaflow check found an expectation that does not
	// hold.
	ExitCheckFailed exitCode = 3
	// ExitOutput: the report could not be written (disk full, a JUnit
	// path that cannot be created). A closed pipe is not an error: the
	// reader has had enough, and esaflow ends quietly.
	ExitOutput exitCode = 4
	// ExitInterrupted: SIGINT or SIGTERM came while the input was read;
	// the report covers what was read up to then (128 + SIGINT's number,
	// as shells report a process that a ^C ended).
	ExitInterrupted exitCode = 130
)

// exitCodes are the codes with their meaning, in the help's words.
var exitCodes = []struct {
	code exitCode
	text string
}{
	{ExitOK, "done (check: every expectation holds)"},
	{ExitInput, "an input could not be read whole (not a capture, an unsupported link\n       type, truncated or corrupt); what could be decided is still reported"},
	{ExitUsage, "usage error, or a malformed expectations file"},
	{ExitCheckFailed, "check: an expectation does not hold"},
	{ExitOutput, "the report could not be written (a closed pipe is not an error)"},
	{ExitInterrupted, "interrupted (SIGINT, SIGTERM): the report covers what was read"},
}

// exitCodesHelp is the exit-code section of the root command's help.
var exitCodesHelp = func() string {
	var b strings.Builder
	b.WriteString("Exit codes:\n")
	for _, c := range exitCodes {
		fmt.Fprintf(&b, "  %3d  %s\n", c.code, c.text)
	}
	return b.String()
}()

// exitError carries an exit code through cobra.
type exitError struct {
	code exitCode
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(err error) error { return &exitError{code: ExitUsage, err: err} }

// outputErr is a failure to write the report: ExitOutput.
func outputErr(err error) error {
	return &exitError{code: ExitOutput, err: fmt.Errorf("writing output: %w", err)}
}

// silentExit is returned when the command already told the user what went
// wrong and only the exit code remains to be set.
type silentExit exitCode

func (s silentExit) Error() string { return fmt.Sprintf("exit %d", int(s)) }
