//go:build linux

// Package browser opens a local HTML file in headless Chromium and reports
// how it rendered: its images, every request the page made, its console
// errors and a screenshot. It speaks the DevTools protocol over
// --remote-debugging-pipe (JSON messages ended by a NUL byte on file
// descriptors 3 and 4), so it needs nothing but the chromium binary.
//
// It is for tests: Start a browser, Check pages, judge each Result by its
// Problems, Close the browser.
package browser

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Find returns the path of a Chromium binary: $CHROMIUM if set, else
// chromium (Debian's package) or chromium-browser on $PATH, else
// /usr/bin/chromium. ok is false when there is none.
func Find() (path string, ok bool) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, true
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", true
	}
	return "", false
}

// An Image is one <img> of the page once it had loaded.
type Image struct {
	Src          string // the first 60 characters of its src
	NaturalWidth int
	Complete     bool
	Decoded      bool // its decode() succeeded
}

// Result is what a page did in the browser.
type Result struct {
	URL           string   // the file:// URL opened
	Images        []Image  // every <img>, in document order
	Requests      []string // every URL the page requested, the page itself included
	Resources     []string // the page's own list of what it loaded (performance entries)
	ConsoleErrors []string // console.error calls, uncaught exceptions, browser log errors
	Screenshot    image.Image
}

// Problems lists what keeps the page from being a self-contained page that
// renders: an image that did not load, any request but the page itself and
// data: URIs, a console error, a blank screenshot. Empty means none.
func (r Result) Problems() []string {
	var p []string
	for i, im := range r.Images {
		if im.NaturalWidth <= 0 || !im.Complete || !im.Decoded {
			p = append(p, fmt.Sprintf("image %d did not load (naturalWidth %d, complete %v, decoded %v): src %q", i+1, im.NaturalWidth, im.Complete, im.Decoded, im.Src))
		}
	}
	seen := map[string]bool{}
	for _, u := range append(append([]string(nil), r.Requests...), r.Resources...) {
		if u != r.URL && !strings.HasPrefix(u, "data:") && !seen[u] {
			seen[u] = true
			p = append(p, "fetched something besides the page and data: URIs: "+short(u))
		}
	}
	for _, e := range r.ConsoleErrors {
		p = append(p, "console error: "+e)
	}
	if r.Screenshot == nil {
		p = append(p, "no screenshot")
	} else if n := Colours(r.Screenshot); n < minColours {
		p = append(p, fmt.Sprintf("screenshot looks blank: %d distinct colours (want at least %d)", n, minColours))
	}
	return p
}

// minColours: a blank page has one colour; a page of anti-aliased text and
// charts has hundreds.
const minColours = 16

// Colours counts the distinct colours of an image, up to 1024 (it stops
// counting there: enough to tell a page from a blank one).
func Colours(img image.Image) int {
	const enough = 1024
	seen := map[color.RGBA64]bool{}
	b := img.Bounds()
	fast, _ := img.(image.RGBA64Image)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var c color.RGBA64
			if fast != nil {
				c = fast.RGBA64At(x, y)
			} else {
				r, g, bl, a := img.At(x, y).RGBA()
				c = color.RGBA64{uint16(r), uint16(g), uint16(bl), uint16(a)}
			}
			if !seen[c] {
				seen[c] = true
				if len(seen) == enough {
					return enough
				}
			}
		}
	}
	return len(seen)
}

func short(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// Options for Start. The zero value is usable.
type Options struct {
	Chromium string // binary; default Find()
	Width    int    // window size in CSS pixels; default 1280×1600
	Height   int
}

// A Browser is one headless Chromium process, driven over its DevTools pipe.
// It is not safe for concurrent use: check one page at a time.
type Browser struct {
	cmd     *exec.Cmd
	p       *pipe
	cmdW    *os.File
	outR    *os.File
	exited  chan struct{}
	profile string
	stderr  *tail
	closed  bool
}

// Start starts a headless Chromium with a temporary profile of its own and
// no network: every host name resolves to nothing, so a stray reference
// fails fast and never leaves the machine. Close stops it.
func Start(ctx context.Context, o Options) (*Browser, error) {
	if o.Chromium == "" {
		var ok bool
		if o.Chromium, ok = Find(); !ok {
			return nil, errors.New("no chromium binary found")
		}
	}
	if o.Width == 0 {
		o.Width, o.Height = 1280, 1600
	}
	profile, err := os.MkdirTemp("", "raftbench-chromium-")
	if err != nil {
		return nil, err
	}
	// fd 3: the browser reads our commands; fd 4: it writes replies and events.
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		os.RemoveAll(profile)
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		os.RemoveAll(profile)
		cmdR.Close()
		cmdW.Close()
		return nil, err
	}
	b := &Browser{cmdW: cmdW, outR: outR, exited: make(chan struct{}), profile: profile, stderr: &tail{}}
	b.cmd = exec.Command(o.Chromium,
		"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-extensions", "--disable-default-apps",
		"--no-first-run", "--no-default-browser-check", "--mute-audio",
		"--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND",
		fmt.Sprintf("--window-size=%d,%d", o.Width, o.Height),
		"--user-data-dir="+profile,
		"--remote-debugging-pipe",
		"about:blank")
	b.cmd.ExtraFiles = []*os.File{cmdR, outW}
	b.cmd.Stdout = b.stderr
	b.cmd.Stderr = b.stderr
	// A process group of its own, so that its helper processes (zygote,
	// renderers) can be stopped by the group's id, the started process's id.
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = b.cmd.Start()
	cmdR.Close()
	outW.Close()
	if err != nil {
		os.RemoveAll(profile)
		cmdW.Close()
		outR.Close()
		return nil, err
	}
	go func() { b.cmd.Wait(); close(b.exited) }()
	b.p = &pipe{w: cmdW, msgs: make(chan message, 64), readErr: make(chan error, 1), done: make(chan struct{})}
	go b.p.read(outR)
	if err := b.p.call(ctx, "", "Browser.getVersion", nil, nil); err != nil {
		b.Close()
		return nil, b.wrap(err)
	}
	return b, nil
}

func (b *Browser) wrap(err error) error {
	return fmt.Errorf("%w (chromium's output ends: %s)", err, b.stderr.String())
}

// Close asks the browser to exit, kills its process group (by the id of
// the process Start started) if it has not within 5 s, and waits, up to 5 s
// more, until none of its processes is left.
func (b *Browser) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	b.p.call(ctx, "", "Browser.close", nil, nil)
	cancel()
	b.cmdW.Close()
	pgid := b.cmd.Process.Pid
	select {
	case <-b.exited:
	case <-time.After(5 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-b.exited
	}
	// Helpers that outlived the browser, if any.
	syscall.Kill(-pgid, syscall.SIGKILL)
	var err error
	for deadline := time.Now().Add(5 * time.Second); syscall.Kill(-pgid, 0) == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			err = fmt.Errorf("chromium's process group %d still has processes 5 s after SIGKILL", pgid)
			break
		}
	}
	close(b.p.done)
	b.outR.Close()
	os.RemoveAll(b.profile)
	return err
}

// Check opens the HTML file at path in a new browser context of its own
// (nothing cached or stored from another page), waits for its load event,
// and returns what the page did. An error means the browser could not be
// driven, not that the page is bad: see Result.Problems for that.
func (b *Browser) Check(ctx context.Context, path string) (Result, error) {
	res, err := b.check(ctx, path)
	if err != nil {
		err = b.wrap(err)
	}
	return res, err
}

func (b *Browser) check(ctx context.Context, path string) (res Result, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return res, err
	}
	res.URL = (&url.URL{Scheme: "file", Path: abs}).String()
	p := b.p
	var bc struct{ BrowserContextID string }
	if err := p.call(ctx, "", "Target.createBrowserContext", nil, &bc); err != nil {
		return res, err
	}
	defer p.call(ctx, "", "Target.disposeBrowserContext", map[string]any{"browserContextId": bc.BrowserContextID}, nil)
	var created struct{ TargetID string }
	if err := p.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank", "browserContextId": bc.BrowserContextID}, &created); err != nil {
		return res, err
	}
	var attached struct{ SessionID string }
	if err := p.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": created.TargetID, "flatten": true}, &attached); err != nil {
		return res, err
	}
	s := attached.SessionID
	p.session, p.want, p.seen, p.loaded = s, res.URL, false, false
	p.onEvent = func(sess, method string, params json.RawMessage) {
		if sess == s {
			res.record(method, params)
		}
	}
	defer func() { p.session, p.onEvent = "", nil }()
	for _, m := range []string{"Page.enable", "Network.enable", "Runtime.enable", "Log.enable"} {
		if err := p.call(ctx, s, m, nil, nil); err != nil {
			return res, err
		}
	}
	var nav struct{ ErrorText string }
	if err := p.call(ctx, s, "Page.navigate", map[string]any{"url": res.URL}, &nav); err != nil {
		return res, err
	}
	if nav.ErrorText != "" {
		return res, fmt.Errorf("navigating to %s: %s", res.URL, nav.ErrorText)
	}
	if err := p.waitLoad(ctx); err != nil {
		return res, err
	}

	var eval struct {
		Result struct {
			Value struct {
				Images    []Image
				Resources []string
			}
		}
		ExceptionDetails json.RawMessage
	}
	if err := p.call(ctx, s, "Runtime.evaluate", map[string]any{"expression": pageScript, "returnByValue": true, "awaitPromise": true}, &eval); err != nil {
		return res, err
	}
	if len(eval.ExceptionDetails) > 0 {
		return res, fmt.Errorf("the check script failed: %s", eval.ExceptionDetails)
	}
	res.Images = eval.Result.Value.Images
	res.Resources = eval.Result.Value.Resources

	var shot struct{ Data string }
	if err := p.call(ctx, s, "Page.captureScreenshot", map[string]any{"format": "png"}, &shot); err != nil {
		return res, err
	}
	raw, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		return res, fmt.Errorf("screenshot: %w", err)
	}
	if res.Screenshot, err = png.Decode(bytes.NewReader(raw)); err != nil {
		return res, fmt.Errorf("screenshot: %w", err)
	}
	return res, nil
}

// pageScript runs in the page after its load event: every image's state, and
// every resource the page itself says it loaded.
const pageScript = `(async () => ({
  Images: await Promise.all(Array.from(document.images, async im => ({
    Src: (im.getAttribute('src') || '').slice(0, 60),
    NaturalWidth: im.naturalWidth,
    Complete: im.complete,
    Decoded: await im.decode().then(() => true, () => false),
  }))),
  Resources: performance.getEntriesByType('resource').map(e => e.name),
}))()`

// record notes the page session's events that Problems judges.
func (r *Result) record(method string, params json.RawMessage) {
	switch method {
	case "Network.requestWillBeSent":
		var e struct{ Request struct{ URL string } }
		if json.Unmarshal(params, &e) == nil {
			r.Requests = append(r.Requests, e.Request.URL)
		}
	case "Runtime.consoleAPICalled":
		var e struct {
			Type string
			Args []struct {
				Value       any
				Description string
			}
		}
		if json.Unmarshal(params, &e) == nil && (e.Type == "error" || e.Type == "assert") {
			var parts []string
			for _, a := range e.Args {
				if a.Value != nil {
					parts = append(parts, fmt.Sprint(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			r.ConsoleErrors = append(r.ConsoleErrors, "console."+e.Type+": "+strings.Join(parts, " "))
		}
	case "Runtime.exceptionThrown":
		var e struct {
			ExceptionDetails struct {
				Text      string
				Exception struct{ Description string }
			}
		}
		if json.Unmarshal(params, &e) == nil {
			r.ConsoleErrors = append(r.ConsoleErrors, "uncaught: "+e.ExceptionDetails.Text+" "+e.ExceptionDetails.Exception.Description)
		}
	case "Log.entryAdded":
		var e struct {
			Entry struct{ Level, Source, Text, URL string }
		}
		if json.Unmarshal(params, &e) == nil && e.Entry.Level == "error" {
			r.ConsoleErrors = append(r.ConsoleErrors, e.Entry.Source+": "+e.Entry.Text+" "+short(e.Entry.URL))
		}
	}
}

// A message is one DevTools protocol message from the browser: a reply
// (ID set) or an event (Method set).
type message struct {
	ID        int64
	SessionID string
	Method    string
	Params    json.RawMessage
	Result    json.RawMessage
	Error     *struct {
		Code    int
		Message string
	}
}

type pipe struct {
	w       io.Writer
	msgs    chan message
	readErr chan error
	done    chan struct{} // closed when nobody reads msgs any more
	nextID  int64
	session string
	want    string // the URL whose load event waitLoad waits for
	seen    bool   // the page's main frame has navigated to want
	loaded  bool   // and its load event has fired
	onEvent func(sess, method string, params json.RawMessage)
}

func (p *pipe) read(r io.Reader) {
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		b, err := br.ReadBytes(0)
		if err != nil {
			p.readErr <- fmt.Errorf("reading from chromium: %w", err)
			close(p.msgs)
			return
		}
		var m message
		if err := json.Unmarshal(b[:len(b)-1], &m); err != nil {
			p.readErr <- fmt.Errorf("a message from chromium: %w", err)
			close(p.msgs)
			return
		}
		select {
		case p.msgs <- m:
		case <-p.done:
			return
		}
	}
}

// next returns the browser's next message, handing events to onEvent.
func (p *pipe) next(ctx context.Context) (message, error) {
	select {
	case m, ok := <-p.msgs:
		if !ok {
			return m, <-p.readErr
		}
		if m.Method != "" {
			if m.SessionID == p.session {
				switch m.Method {
				case "Page.frameNavigated":
					var e struct {
						Frame struct{ ParentID, URL string }
					}
					if json.Unmarshal(m.Params, &e) == nil && e.Frame.ParentID == "" && e.Frame.URL == p.want {
						p.seen = true
					}
				case "Page.loadEventFired":
					p.loaded = p.seen
				}
			}
			if p.onEvent != nil {
				p.onEvent(m.SessionID, m.Method, m.Params)
			}
		}
		return m, nil
	case <-ctx.Done():
		return message{}, ctx.Err()
	}
}

// call sends one command and waits for its reply, decoding its result into
// out (if not nil). Events that arrive meanwhile are recorded.
func (p *pipe) call(ctx context.Context, session, method string, params, out any) error {
	p.nextID++
	id := p.nextID
	req := map[string]any{"id": id, "method": method}
	if params != nil {
		req["params"] = params
	}
	if session != "" {
		req["sessionId"] = session
	}
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := p.w.Write(append(b, 0)); err != nil {
		return fmt.Errorf("%s: writing to chromium: %w", method, err)
	}
	for {
		m, err := p.next(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		if m.ID != id {
			continue
		}
		if m.Error != nil {
			return fmt.Errorf("%s: %s (code %d)", method, m.Error.Message, m.Error.Code)
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	}
}

// waitLoad waits for the page's load event, which comes after every image
// has loaded or failed.
func (p *pipe) waitLoad(ctx context.Context) error {
	for !p.loaded {
		if _, err := p.next(ctx); err != nil {
			return fmt.Errorf("waiting for the load event: %w", err)
		}
	}
	return nil
}

// tail keeps the last few KB written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > 4096 {
		t.buf = t.buf[len(t.buf)-4096:]
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}
