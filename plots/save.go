package plots

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// Width and Height are every chart's size: readable in a report at 100%.
const (
	Width  = 8 * vg.Inch
	Height = 4.8 * vg.Inch
)

// Save writes p as base+".png" and base+".svg".
func Save(p *plot.Plot, base string) error {
	for _, ext := range []string{".png", ".svg"} {
		if err := p.Save(Width, Height, base+ext); err != nil {
			return err
		}
	}
	return nil
}
