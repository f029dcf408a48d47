package fidelity

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable prints a comparison for a terminal.
func WriteTable(w io.Writer, ref Reference, rows []Row) error {
	if len(rows) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Against %s (measured; raftbench simulated), downtime in ms:\n", ref.Name)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "timeout\ttrials")
	for _, p := range Quantiles {
		if p != 0.95 {
			fmt.Fprintf(tw, "\tp%.0f", p*100)
		}
	}
	fmt.Fprint(tw, "\ttarget met\t\n")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d / %d", r.Label(), r.Trials, r.N)
		for i, p := range Quantiles {
			if p != 0.95 {
				fmt.Fprintf(tw, "\t%s / %s %s", msCell(r.Ms[i]), msCell(r.Sim[i]), percent(r.Err[i]))
			}
		}
		ok, target := r.Check()
		verdict := "no"
		if ok {
			verdict = "yes"
		}
		fmt.Fprintf(tw, "\t%s (%s)\t\n", verdict, target)
	}
	tw.Flush()
	fmt.Fprintf(&b, "(%s / raftbench and raftbench's error; %s)\n", ref.Name, ref.Source)
	_, err := io.WriteString(w, b.String())
	return err
}
