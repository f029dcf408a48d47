// Package golden compares test output with files under testdata/, in the
// style of benchstat's tests: run the tests with -rewrite to regenerate the
// files, then review the change as a diff.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite golden files under testdata/ instead of comparing with them")

// Check compares got with the file at path (relative to the test's package
// folder), or, with -rewrite, writes got there.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *rewrite {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -rewrite to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -rewrite to update, then review the diff):\n%s", path, Diff(want, got))
	}
}

// Diff is a short line diff of want and got: the first lines that differ,
// with a few lines of context.
func Diff(want, got []byte) string {
	w := bytes.Split(want, []byte("\n"))
	g := bytes.Split(got, []byte("\n"))
	first := 0
	for first < len(w) && first < len(g) && bytes.Equal(w[first], g[first]) {
		first++
	}
	var b bytes.Buffer
	from := max(first-3, 0)
	for i := from; i < first; i++ {
		b.WriteString("  " + string(w[i]) + "\n")
	}
	for i := first; i < len(w) && i < first+10; i++ {
		b.WriteString("- " + string(w[i]) + "\n")
	}
	for i := first; i < len(g) && i < first+10; i++ {
		b.WriteString("+ " + string(g[i]) + "\n")
	}
	return b.String()
}
