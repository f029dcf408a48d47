package fidelity

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable prints a comparison for a terminal: the cells of Header and
// Cells, the same as the report's table, aligned. provenance says how
// raftbench's figures were obtained ("simulated", or "measured" for real
// peer processes).
func WriteTable(w io.Writer, ref Reference, rows []Row, provenance string) error {
	if len(rows) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Against %s (measured; raftbench %s), downtime in ms:\n", ref.Name, provenance)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(Header(ref), "\t")+"\t")
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r.Cells(), "\t")+"\t")
	}
	tw.Flush()
	fmt.Fprintf(&b, "(%s)\n", ref.Source)
	_, err := io.WriteString(w, b.String())
	return err
}
