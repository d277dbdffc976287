package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newGenDocsCmd is a hidden command for packagers (make dist): it writes
// the man pages and the shell completions, generated from the commands
// themselves, under DIR/man1 and DIR/completions.
func newGenDocsCmd(stdio IO) *cobra.Command {
	return &cobra.Command{
		Use:    "gen-docs DIR",
		Short:  "Write the man pages and shell completions under DIR (for packagers)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return genDocs(cmd.Root(), args[0], stdio)
		},
	}
}

// genDocs writes root's man pages to dir/man1 and its completion scripts
// for bash, zsh and fish to dir/completions.
func genDocs(root *cobra.Command, dir string, stdio IO) error {
	man, comp := filepath.Join(dir, "man1"), filepath.Join(dir, "completions")
	for _, d := range []string{man, comp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return outputErr(err)
		}
	}
	// The date in the header is the commit's, so that the same sources
	// give the same pages (cobra would take today's).
	when := time.Unix(0, 0).UTC()
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, st := range info.Settings {
			if t, err := time.Parse(time.RFC3339, st.Value); st.Key == "vcs.time" && err == nil {
				when = t
			}
		}
	}
	header := &doc.GenManHeader{Title: "ESAFLOW", Section: "1", Source: "esaflow", Manual: "esaflow manual", Date: &when}
	root.DisableAutoGenTag = true
	if err := doc.GenManTree(root, header, man); err != nil {
		return outputErr(fmt.Errorf("man pages: %w", err))
	}
	for _, c := range []struct {
		file string
		gen  func(string) error
	}{
		{"esaflow.bash", func(f string) error { return root.GenBashCompletionFileV2(f, true) }},
		{"_esaflow", root.GenZshCompletionFile},
		{"esaflow.fish", func(f string) error { return root.GenFishCompletionFile(f, true) }},
	} {
		if err := c.gen(filepath.Join(comp, c.file)); err != nil {
			return outputErr(fmt.Errorf("completions: %w", err))
		}
	}
	fmt.Fprintf(stdio.Err, "esaflow: man pages in %s, completions in %s\n", man, comp)
	return nil
}
