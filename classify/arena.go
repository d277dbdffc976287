package classify

import "unsafe"

// maxKeptArena bounds the arena a reset session keeps for the next
// connection; a bigger one (a session with thousands of replies) goes.
const maxKeptArena = 16 << 10

// str returns b as a string whose bytes are in the session's arena: the
// texts of a connection's record (replies, commands, explanation) share
// a few allocations instead of one each, and a reused session (Reset)
// makes none once its arena is big enough. The arena is only ever
// appended to, so a string stays as it was until reset, which is when
// the Record it belongs to stops being valid too.
func (s *session) str(b []byte) string {
	at := len(s.arena)
	s.arena = append(s.arena, b...)
	return arenaString(s.arena[at:])
}

// escape is Escape(b), in the arena.
func (s *session) escape(b []byte) string {
	at := len(s.arena)
	s.arena = appendEscaped(s.arena, b)
	return arenaString(s.arena[at:])
}

// arenaString returns the string with the bytes of b, which nothing may
// change while the string is in use.
func arenaString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
