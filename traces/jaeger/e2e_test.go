// The end-to-end test of raftbench's traces against a real Jaeger: it
// builds Jaeger (once, into the cache jaeger.sh uses) and raftbench, starts
// Jaeger on free loopback ports, sends a small traced sweep over OTLP gRPC
// and over OTLP HTTP, and reads the traces back through Jaeger's HTTP API.
// It stops the Jaeger it started by its process id.
package jaeger_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// freeAddr returns a loopback address nobody listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// run runs a command to its end and returns what it printed on standard
// output; what it printed on standard error (go's "downloading" lines, for
// one) is shown only if it fails.
func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// startJaeger runs Jaeger on fresh ports and returns its query address.
func startJaeger(t *testing.T) (query, otlpGRPC, otlpHTTP string) {
	bin := strings.TrimSpace(run(t, ".", "./jaeger.sh", "build"))
	query, otlpGRPC, otlpHTTP = freeAddr(t), freeAddr(t), freeAddr(t)
	logs, err := os.Create(filepath.Join(t.TempDir(), "jaeger.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", "config.yaml")
	cmd.Env = append(os.Environ(),
		"RAFTBENCH_JAEGER_QUERY="+query, "RAFTBENCH_JAEGER_QUERY_GRPC="+freeAddr(t),
		"RAFTBENCH_JAEGER_OTLP_GRPC="+otlpGRPC, "RAFTBENCH_JAEGER_OTLP_HTTP="+otlpHTTP)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			logs.Seek(0, 0)
			b, _ := io.ReadAll(logs)
			t.Logf("jaeger log:\n%s", b)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + query + "/api/services")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-exited:
			t.Fatal("jaeger exited during start-up")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("jaeger did not answer on %s within 60s: %v", query, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Jaeger's query API model, as much as the test reads.
type apiTrace struct {
	TraceID   string `json:"traceID"`
	Spans     []apiSpan
	Processes map[string]struct {
		ServiceName string `json:"serviceName"`
	} `json:"processes"`
}

type apiSpan struct {
	SpanID        string `json:"spanID"`
	OperationName string `json:"operationName"`
	References    []struct {
		RefType string `json:"refType"`
		SpanID  string `json:"spanID"`
	} `json:"references"`
	StartTime int64   `json:"startTime"` // microseconds
	Duration  int64   `json:"duration"`
	ProcessID string  `json:"processID"`
	Tags      []apiKV `json:"tags"`
	Logs      []struct {
		Timestamp int64   `json:"timestamp"`
		Fields    []apiKV `json:"fields"`
	} `json:"logs"`
}

type apiKV struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
}

func tag(kvs []apiKV, key string) string {
	for _, kv := range kvs {
		if kv.Key == key {
			return fmt.Sprint(kv.Value)
		}
	}
	return ""
}

func getJSON(t *testing.T, url string, into any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// trialRow is one trial of trials.csv, by seed.
type trialRow map[string]string

func readTrials(t *testing.T, path string) map[string]trialRow {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]trialRow{}
	for _, row := range rows[1:] {
		r := trialRow{}
		for i, name := range rows[0] {
			r[name] = row[i]
		}
		out[r["seed"]] = r
	}
	return out
}

func (r trialRow) int(t *testing.T, key string) int {
	v, err := strconv.Atoi(r[key])
	if err != nil {
		t.Fatalf("trials.csv %s=%q", key, r[key])
	}
	return v
}

func (r trialRow) ms(t *testing.T, key string) float64 {
	v, err := strconv.ParseFloat(r[key], 64)
	if err != nil {
		t.Fatalf("trials.csv %s=%q", key, r[key])
	}
	return v
}

func TestTracesInJaeger(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs Jaeger")
	}
	query, otlpGRPC, otlpHTTP := startJaeger(t)
	work := t.TempDir()
	raftbench := filepath.Join(work, "raftbench")
	run(t, "../..", "go", "build", "-o", raftbench, "./cmd/raftbench")

	const nodes, traced, latencyMs = 5, 2, 5
	sweeps := []struct {
		name string
		args []string
	}{
		{"grpc", []string{"-otlp-endpoint", otlpGRPC, "-seed", "1"}},
		{"http", []string{"-otlp-endpoint", otlpHTTP, "-otlp-protocol", "http", "-seed", "2", "-trace-file", filepath.Join(work, "http.otlp.json")}},
	}
	trials := map[string]trialRow{}
	for _, s := range sweeps {
		out := filepath.Join(work, s.name)
		args := append([]string{"-interval", "75ms", "-election-timeout", "150ms..300ms", "-nodes", fmt.Sprint(nodes), "-latency", fmt.Sprintf("%dms", latencyMs),
			"-trials", "4", "-trace-trials", fmt.Sprint(traced), "-quiet", "300ms", "-out", out}, s.args...)
		run(t, work, raftbench, args...)
		for seed, row := range readTrials(t, filepath.Join(out, "trials.csv")) {
			trials[seed] = row
		}
	}

	finished := time.Now()

	// Services: the run's own and one per peer.
	var services struct{ Data []string }
	getJSON(t, "http://"+query+"/api/services", &services)
	for _, want := range []string{"raftbench", "raft-peer-0", "raft-peer-1", "raft-peer-2", "raft-peer-3", "raft-peer-4"} {
		if !strings.Contains(strings.Join(services.Data, " "), want) {
			t.Errorf("Jaeger has services %v; %s is missing", services.Data, want)
		}
	}

	// One trace per traced trial: 2 trials x 2 sweeps, both transports.
	var found struct{ Data []apiTrace }
	deadline := time.Now().Add(30 * time.Second)
	for {
		getJSON(t, "http://"+query+"/api/traces?service=raftbench&limit=100&lookback=2h", &found)
		if len(found.Data) >= 2*traced || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(found.Data) != 2*traced {
		t.Fatalf("Jaeger holds %d trial traces; want %d", len(found.Data), 2*traced)
	}
	ops := map[string]bool{}
	for _, tr := range found.Data {
		// Search results can be partial; fetch each trace whole.
		var full struct{ Data []apiTrace }
		getJSON(t, "http://"+query+"/api/traces/"+tr.TraceID, &full)
		tr = full.Data[0]
		service := func(s apiSpan) string { return tr.Processes[s.ProcessID].ServiceName }
		byID := map[string]apiSpan{}
		var root apiSpan
		for _, s := range tr.Spans {
			byID[s.SpanID] = s
			ops[s.OperationName] = true
			if len(s.References) == 0 {
				root = s
			}
		}
		seed := tag(root.Tags, "raftbench.seed")
		row, ok := trials[seed]
		if !ok {
			t.Fatalf("trace %s is of seed %q, which no trials.csv row has", tr.TraceID, seed)
		}
		// The span count is what the trial's RPC counters imply. A trace
		// records the measured phase (crash to stable leader) in full and,
		// after it, election rounds only; the setup and the fault-free
		// window are one span each. So: the trial, its failover, setup and
		// window spans; in the measured phase one span per RPC sent and per
		// RPC delivered, one per election round and per heartbeat round
		// (each sends to every other peer); the same for the window's
		// election rounds. With no loss no peer misses two heartbeats, so
		// nothing else elects (a restarted peer hears the leader long
		// before its timeout).
		pRV, pAE, qRV := row.int(t, "phase_request_votes"), row.int(t, "phase_append_entries"), row.int(t, "quiet_request_votes")
		want := 4 + pRV + row.int(t, "phase_request_votes_delivered") + pAE + row.int(t, "phase_append_entries_delivered") +
			pRV/(nodes-1) + pAE/(nodes-1) + qRV + row.int(t, "quiet_request_votes_delivered") + qRV/(nodes-1)
		// Handler spans follow their calls, the counters the clock: a
		// crash less than the latency after the leader's last round leaves
		// that round's calls landing in the phase from a round not
		// recorded; and the new leader's first round can reach the crashed
		// peer at the very instant the phase ends, when it restarts, from a
		// recorded call (at most one such span).
		if row.ms(t, "crash_offset_ms") < latencyMs {
			want -= nodes - 1
		}
		crashed := ""
		for _, l := range root.Logs {
			if tag(l.Fields, "event") == "crash" {
				crashed = tag(l.Fields, "raft.peer")
			}
		}
		late := 0
		for _, s := range tr.Spans {
			if s.OperationName == "AppendEntries" && tag(s.Tags, "raft.follower") == crashed {
				late++
			}
		}
		if crashed == "" || late > 1 {
			t.Errorf("trace of seed %s: crashed peer %q, %d AppendEntries handler spans of it; want a crash and at most one", seed, crashed, late)
		}
		if len(tr.Spans) != want+late {
			t.Errorf("trace of seed %s has %d spans; its trial implies %d", seed, len(tr.Spans), want+late)
		}
		if heartbeats := row.int(t, "append_entries") / (nodes - 1); heartbeats <= pAE/(nodes-1)+2 {
			t.Errorf("seed %s: %d heartbeat rounds in the trial, %d in its measured phase: the trial is not the one this test is about", seed, heartbeats, pAE/(nodes-1))
		}
		// Parent/child links cross services: a handler's parent is the call
		// that reached it, made by another peer.
		crossings := 0
		for _, s := range tr.Spans {
			if s.OperationName != "RequestVote" && s.OperationName != "AppendEntries" {
				continue
			}
			if len(s.References) == 0 {
				t.Fatalf("handler span %s has no parent", s.OperationName)
			}
			parent := byID[s.References[0].SpanID]
			wantParent := map[string]string{"RequestVote": "askVoteFromPeer", "AppendEntries": "replicateToPeer"}[s.OperationName]
			if parent.OperationName != wantParent || service(parent) == service(s) {
				t.Fatalf("%s in %s has parent %q in %s", s.OperationName, service(s), parent.OperationName, service(parent))
			}
			crossings++
		}
		if crossings == 0 {
			t.Errorf("trace of seed %s has no handler spans", seed)
		}
		// Timestamps are the simulated timeline: the trial lasts run_ms, and
		// the new leader comes elected_ms after the crash.
		if got, want := float64(root.Duration)/1000, row.ms(t, "run_ms"); got < want-0.002 || got > want+0.002 {
			t.Errorf("trial span of seed %s lasts %.3fms; the trial ran %.3fms", seed, got, want)
		}
		// No trace ends after its run did; the failover span lasts the
		// trial's downtime.
		if end := time.UnixMicro(root.StartTime + root.Duration); end.After(finished) {
			t.Errorf("trace of seed %s ends %v after its run finished", seed, end.Sub(finished))
		}
		failovers := 0
		for _, s := range tr.Spans {
			if s.OperationName == "failover" {
				failovers++
				if got, want := float64(s.Duration)/1000, row.ms(t, "stable_ms"); got < want-0.002 || got > want+0.002 {
					t.Errorf("seed %s: failover span lasts %.3fms; stable_ms %.3f", seed, got, want)
				}
			}
		}
		if failovers != 1 {
			t.Errorf("trace of seed %s has %d failover spans; want 1", seed, failovers)
		}
		var crash, elected int64 = -1, -1
		for _, l := range root.Logs {
			switch tag(l.Fields, "event") {
			case "crash":
				crash = l.Timestamp
			case "became leader":
				if crash >= 0 && elected < 0 {
					elected = l.Timestamp
				}
			}
		}
		if crash < 0 || elected < 0 {
			t.Fatalf("trial span of seed %s lacks the crash or the new leader's event", seed)
		}
		if got, want := float64(elected-crash)/1000, row.ms(t, "elected_ms"); got < want-0.002 || got > want+0.002 {
			t.Errorf("seed %s: leader elected %.3fms after the crash in Jaeger, %.3fms in trials.csv", seed, got, want)
		}
	}
	for _, op := range []string{"failover", "setup", "fault-free window", "startElection", "askVoteFromPeer", "RequestVote", "startReplication", "replicateToPeer", "AppendEntries"} {
		if !ops[op] {
			t.Errorf("no %s spans in Jaeger", op)
		}
	}

	// The OTLP/JSON file converts through /api/transform, span for span.
	raw, err := os.ReadFile(filepath.Join(work, "http.otlp.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		ResourceSpans []struct {
			ScopeSpans []struct {
				Spans []json.RawMessage `json:"spans"`
			} `json:"scopeSpans"`
		} `json:"resourceSpans"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	inFile := 0
	for _, rs := range file.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			inFile += len(ss.Spans)
		}
	}
	resp, err := http.Post("http://"+query+"/api/transform", "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/api/transform: %s\n%.500s", resp.Status, body)
	}
	var converted struct{ Data []apiTrace }
	if err := json.Unmarshal(body, &converted); err != nil {
		t.Fatal(err)
	}
	outSpans := 0
	for _, tr := range converted.Data {
		outSpans += len(tr.Spans)
	}
	if len(converted.Data) != traced || outSpans != inFile || inFile == 0 {
		t.Fatalf("/api/transform made %d traces of %d spans from a file of %d spans; want %d traces", len(converted.Data), outSpans, inFile, traced)
	}
}

// TestProcessTracesJoinAcrossProcesses runs peers as processes of their own
// (-runtime process) and checks that their spans join each trial's trace:
// a peer's election under the trial's root span (the driver hands the
// peers its context), and a voter's RequestVote handler, in another
// process, under the candidate's askVoteFromPeer (the context crosses the
// wire in gRPC metadata).
func TestProcessTracesJoinAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs Jaeger")
	}
	query, otlpGRPC, _ := startJaeger(t)
	work := t.TempDir()
	raftbench := filepath.Join(work, "raftbench")
	run(t, "../..", "go", "build", "-o", raftbench, "./cmd/raftbench")
	const trials = 2
	run(t, work, raftbench, "-runtime", "process", "-interval", "50ms", "-nodes", "3", "-latency", "2ms",
		"-trials", fmt.Sprint(trials), "-quiet", "300ms", "-out=", "-otlp-endpoint", otlpGRPC)

	var found struct{ Data []apiTrace }
	deadline := time.Now().Add(30 * time.Second)
	for {
		getJSON(t, "http://"+query+"/api/traces?service=raftbench&limit=100&lookback=2h", &found)
		if len(found.Data) >= trials || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(found.Data) != trials {
		t.Fatalf("Jaeger holds %d trial traces; want %d", len(found.Data), trials)
	}
	for _, tr := range found.Data {
		var full struct{ Data []apiTrace }
		getJSON(t, "http://"+query+"/api/traces/"+tr.TraceID, &full)
		tr = full.Data[0]
		byID := map[string]apiSpan{}
		var root apiSpan
		for _, s := range tr.Spans {
			byID[s.SpanID] = s
			if len(s.References) == 0 {
				root = s
			}
		}
		service := func(s apiSpan) string { return tr.Processes[s.ProcessID].ServiceName }
		if service(root) != "raftbench" {
			t.Fatalf("trace %s: root span %q of service %q; want the driver's", tr.TraceID, root.OperationName, service(root))
		}
		elections, handlers := 0, 0
		for _, s := range tr.Spans {
			if len(s.References) == 0 {
				continue
			}
			parent, ok := byID[s.References[0].SpanID]
			switch s.OperationName {
			case "startElection":
				if !ok || parent.SpanID != root.SpanID || !strings.HasPrefix(service(s), "raft-peer-") {
					t.Errorf("trace %s: startElection of %s hangs from %q; want the trial's root", tr.TraceID, service(s), parent.OperationName)
				}
				elections++
			case "RequestVote":
				if !ok {
					continue // its candidate was the crashed leader, whose last spans died with it
				}
				if parent.OperationName != "askVoteFromPeer" || service(parent) == service(s) {
					t.Errorf("trace %s: RequestVote in %s under %q of %s; want a candidate's askVoteFromPeer in another process", tr.TraceID, service(s), parent.OperationName, service(parent))
				}
				handlers++
			}
		}
		// The failover's election at least: a candidate, and a voter that
		// answered it (the survivors are two).
		if elections == 0 || handlers == 0 {
			t.Errorf("trace %s: %d startElection and %d RequestVote spans under their callers; want both", tr.TraceID, elections, handlers)
		}
	}
}
