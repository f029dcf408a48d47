//go:build linux

package report_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/internal/browser"
	"github.com/raftbench/raftbench/internal/fixture"
	"github.com/raftbench/raftbench/report"
)

// startBrowser starts a headless Chromium for one test and stops it when
// the test ends. It skips the test when no Chromium is installed; CI
// (.ci/run) installs Debian's chromium package, so there it always runs.
func startBrowser(t *testing.T) *browser.Browser {
	t.Helper()
	if _, ok := browser.Find(); !ok {
		t.Skip("chromium is not installed (Debian: apt-get install chromium; .ci/run installs it): report.html not checked in a browser")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := browser.Start(ctx, browser.Options{})
	if err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	return b
}

// open loads an HTML file in the browser and returns what it did.
func open(t *testing.T, b *browser.Browser, path string) browser.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	res, err := b.Check(ctx, path)
	if err != nil {
		t.Fatalf("driving chromium: %v", err)
	}
	t.Logf("%s in chromium: %d images, %d requests, %d console errors, %d colours on screen, %.1fs",
		filepath.Base(path), len(res.Images), len(res.Requests), len(res.ConsoleErrors), browser.Colours(res.Screenshot), time.Since(start).Seconds())
	return res
}

// problems opens the HTML file at path in Chromium and lists what is wrong
// with it (browser.Result.Problems), adding one check a browser cannot make:
// every embedded PNG decodes whole, at the size the browser shows. (Chromium
// draws a truncated PNG as far as it goes, with its full naturalWidth.)
func problems(t *testing.T, b *browser.Browser, path string) []string {
	t.Helper()
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res := open(t, b, path)
	p := res.Problems()
	uris := embeddedPNG.FindAllStringSubmatch(string(page), -1)
	var shown []browser.Image // the browser's data: images, in the same order
	for _, im := range res.Images {
		if strings.HasPrefix(im.Src, "data:") {
			shown = append(shown, im)
		}
	}
	if len(shown) != len(uris) {
		p = append(p, fmt.Sprintf("%d embedded PNGs in the file, %d data: images in the browser", len(uris), len(shown)))
	}
	for i, m := range uris {
		raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
		if err == nil {
			_, err = png.Decode(bytes.NewReader(raw))
		}
		if err == nil && i < len(shown) {
			if cfg, _ := png.DecodeConfig(bytes.NewReader(raw)); cfg.Width != shown[i].NaturalWidth {
				err = fmt.Errorf("%d pixels wide, shown %d wide", cfg.Width, shown[i].NaturalWidth)
			}
		}
		if err != nil {
			p = append(p, fmt.Sprintf("embedded PNG %d is not a whole image: %v", i+1, err))
		}
	}
	return p
}

var embeddedPNG = regexp.MustCompile(`src="data:image/png;base64,([^"]*)"`)

// writeReport writes the report of a fixture sweep into a fresh folder and
// returns the path of its report.html.
func writeReport(t *testing.T, r fixture.Run) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := report.Write(dir, report.Run{Summary: r.Summary, Outcome: r.Outcome}, report.DefaultLimits()); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, report.HTMLFile)
}

// TestReportRendersInBrowser opens the report.html of real (small) sweeps
// in headless Chromium: every image must load, the page must request
// nothing but itself and data: URIs, log no console error, and show more
// than a blank screen.
func TestReportRendersInBrowser(t *testing.T) {
	b := startBrowser(t)
	fixture.Each(t, func(t *testing.T, r fixture.Run) {
		path := writeReport(t, r)
		page, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems(t, b, path) {
			t.Error(p)
		}
		if imgs, uris := strings.Count(string(page), "<img "), strings.Count(string(page), "data:image/png;base64,"); imgs != uris || imgs == 0 {
			t.Errorf("%d <img> tags, %d embedded PNGs: want the same number, at least one", imgs, uris)
		}
	})
}

// TestBrowserCheckCatchesBrokenReports shows the check above fails on a
// report whose image is broken or that fetches anything: each case is a
// copy of a real report.html with one fault put in.
func TestBrowserCheckCatchesBrokenReports(t *testing.T) {
	b := startBrowser(t)
	run, err := fixture.LeaderCrash()
	if err != nil {
		t.Fatal(err)
	}
	path := writeReport(t, run)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(orig)
	const png = "data:image/png;base64,"
	first := strings.Index(page, png)
	if first < 0 {
		t.Fatal("report.html embeds no PNG")
	}
	at := first + len(png)
	cases := []struct {
		name, page, want string
	}{
		// The PNG signature and header replaced: not an image any more.
		{"corrupt image header", page[:at] + strings.Repeat("A", 40) + page[at+40:], "did not load"},
		// The image's base64 cut short after its header: a truncated PNG.
		{"truncated image", page[:at+200] + `"` + page[strings.Index(page[at:], `"`)+at+1:], "not a whole image"},
		{"external image", strings.Replace(page, "<body>", `<body><img src="http://example.com/chart.png" alt="">`, 1), "fetched something"},
		{"external stylesheet", strings.Replace(page, "</head>", `<link rel="stylesheet" href="https://example.com/x.css"></head>`, 1), "fetched something"},
		// A chart beside report.html instead of embedded: it would load
		// here, where the file is, and nowhere else.
		{"image beside the file", strings.Replace(page, "<body>", `<body><img src="timeline.png" alt="">`, 1), "fetched something"},
		{"script error", strings.Replace(page, "</body>", `<script>console.error("boom")</script></body>`, 1), "console error"},
		{"blank page", "<!DOCTYPE html><html><head><title>x</title></head><body></body></html>", "looks blank"},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.name, " ", "-"), func(t *testing.T) {
			if c.page == page {
				t.Fatal("the fault was not put in")
			}
			// Beside report.html, so that "image beside the file" finds one.
			bad := filepath.Join(filepath.Dir(path), strings.ReplaceAll(c.name, " ", "-")+".html")
			if err := os.WriteFile(bad, []byte(c.page), 0o644); err != nil {
				t.Fatal(err)
			}
			problems := problems(t, b, bad)
			for _, p := range problems {
				t.Log("found: ", p)
			}
			if !strings.Contains(strings.Join(problems, "\n"), c.want) {
				t.Errorf("the check did not catch it: want a problem containing %q, got %q", c.want, problems)
			}
		})
	}
}
