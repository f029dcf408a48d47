package plots

import (
	"fmt"
	"image/color"
	"time"

	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Segment is a stretch of one peer's life in one role (Down: crashed).
type Segment struct {
	Peer       int
	From, To   time.Duration
	Role       raft.Role
	Down       bool
	Term       int
	Unfinished bool // still running when the timeline ends
}

// Segments turns a trial's events into role segments per peer, up to end.
func Segments(events []sim.Event, nodes int, end time.Duration) []Segment {
	type open struct {
		seg Segment
		ok  bool
	}
	cur := make([]open, nodes)
	var out []Segment
	closeAt := func(peer int, at time.Duration) {
		if cur[peer].ok {
			s := cur[peer].seg
			s.To = at
			if s.To > s.From || s.Down {
				out = append(out, s)
			}
			cur[peer].ok = false
		}
	}
	for _, e := range events {
		if e.At > end || e.Peer < 0 || e.Peer >= nodes {
			continue
		}
		switch {
		case e.Kind == sim.StateChange:
			closeAt(e.Peer, e.At)
			cur[e.Peer] = open{Segment{Peer: e.Peer, From: e.At, Role: e.Role, Term: e.Term}, true}
		case e.Kind == sim.Fault && e.Fault == "crash":
			closeAt(e.Peer, e.At)
			cur[e.Peer] = open{Segment{Peer: e.Peer, From: e.At, Down: true}, true}
		case e.Kind == sim.Fault && e.Fault == "restart":
			closeAt(e.Peer, e.At)
		}
	}
	for p := range cur {
		if cur[p].ok {
			s := cur[p].seg
			s.To, s.Unfinished = end, true
			out = append(out, s)
		}
	}
	return out
}

var roleColors = map[raft.Role]color.Color{
	raft.Follower:  color.RGBA{R: 170, G: 180, B: 195, A: 255},
	raft.Candidate: color.RGBA{R: 240, G: 150, B: 30, A: 255},
	raft.Leader:    color.RGBA{R: 40, G: 160, B: 70, A: 255},
}

// Timeline draws one trial: a lane per peer showing its role over time
// (follower grey, candidate orange, leader green, crashed dashed red), a
// marker where each election starts and a cross at each crash.
func Timeline(events []sim.Event, nodes int, end time.Duration, title string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = "time (ms)"
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	legendDone := map[string]bool{}
	for _, s := range Segments(events, nodes, end) {
		y := float64(s.Peer)
		l, err := plotter.NewLine(plotter.XYs{{X: toMs(s.From), Y: y}, {X: toMs(s.To), Y: y}})
		if err != nil {
			return nil, err
		}
		name := s.Role.String()
		if s.Down {
			l.Color, l.Width, l.Dashes = color.RGBA{R: 200, G: 30, B: 30, A: 255}, vg.Points(2), []vg.Length{vg.Points(4), vg.Points(3)}
			name = "crashed"
		} else {
			l.Color, l.Width = roleColors[s.Role], vg.Points(9)
		}
		p.Add(l)
		if !legendDone[name] {
			legendDone[name] = true
			p.Legend.Add(name, l)
		}
	}
	var starts, crashes plotter.XYs
	for _, e := range events {
		if e.At > end {
			continue
		}
		if e.Kind == sim.StateChange && e.Role == raft.Candidate {
			starts = append(starts, plotter.XY{X: toMs(e.At), Y: float64(e.Peer)})
		}
		if e.Kind == sim.Fault && e.Fault == "crash" {
			crashes = append(crashes, plotter.XY{X: toMs(e.At), Y: float64(e.Peer)})
		}
	}
	for _, m := range []struct {
		pts   plotter.XYs
		name  string
		shape draw.GlyphDrawer
		c     color.Color
	}{
		{starts, "election started", draw.PyramidGlyph{}, color.Black},
		{crashes, "crash", draw.CrossGlyph{}, color.RGBA{R: 200, G: 30, B: 30, A: 255}},
	} {
		if len(m.pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(m.pts)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: m.c, Radius: vg.Points(4), Shape: m.shape}
		p.Add(sc)
		p.Legend.Add(m.name, sc)
	}
	var ticks []plot.Tick
	for i := range nodes {
		ticks = append(ticks, plot.Tick{Value: float64(i), Label: fmt.Sprintf("peer %d", i)})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Min, p.Y.Max = -0.7, float64(nodes)-0.3
	// The legend sits in an empty margin right of the end of the trial.
	p.X.Min, p.X.Max = 0, toMs(end)*1.3
	return p, nil
}
