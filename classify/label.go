package classify

// CommandLabel returns one client command line as Reply.Command shows it:
// without its line ending, escaped, and with the arguments of an AUTH
// command replaced by "***". The lines of an AUTH exchange that follow the
// command are the caller's to hide, since only the session knows them.
func CommandLabel(line []byte) string { return commandText(parseVerb(line), line) }
