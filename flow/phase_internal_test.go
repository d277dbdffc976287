package flow

import (
	"fmt"
	"testing"
)

// Every test of the package, the fuzz targets included, fails on a move
// between phases that phase.go's table does not allow.
func init() {
	onIllegalMove = func(c *Conn, from, to phase) {
		panic(fmt.Sprintf("connection %d (%v > %v): illegal move from %v to %v", c.ID, c.Client, c.Server, from, to))
	}
}

// TestPhaseMovesFollowTheTable: the moves phase.go's table lists are
// allowed, every other one is reported.
func TestPhaseMovesFollowTheTable(t *testing.T) {
	allowed := map[[2]phase]bool{
		{0, phaseProbing}: true, {0, phaseOpen}: true,
		{phaseProbing, phaseOpen}: true, {phaseProbing, phaseDecided}: true,
		{phaseOpen, phaseHeld}: true, {phaseOpen, phaseDecided}: true,
		{phaseHeld, phaseDecided}: true,
	}
	saved := onIllegalMove
	defer func() { onIllegalMove = saved }()
	for from := phase(0); from <= phaseDecided; from++ {
		for to := phaseProbing; to <= phaseDecided; to++ {
			reported := false
			onIllegalMove = func(*Conn, phase, phase) { reported = true }
			c := &Conn{phase: from}
			c.to(to)
			if reported == allowed[[2]phase{from, to}] || c.phase != to {
				t.Errorf("move from %v to %v: reported %v, phase now %v", from, to, reported, c.phase)
			}
		}
	}
}
