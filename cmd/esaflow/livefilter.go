package main

import (
	"strings"
)

// defaultFilter builds "tcp and (port 25 or portrange 10000-10010 ...)"
// from a --ports list.
func defaultFilter(ports string) string {
	var parts []string
	for _, f := range strings.Split(ports, ",") {
		f = strings.TrimSpace(f)
		if lo, hi, ok := strings.Cut(f, "-"); ok {
			parts = append(parts, "portrange "+strings.TrimSpace(lo)+"-"+strings.TrimSpace(hi))
		} else if f != "" {
			parts = append(parts, "port "+f)
		}
	}
	return "tcp and (" + strings.Join(parts, " or ") + ")"
}
