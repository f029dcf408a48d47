package live

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// peerEnv makes the test binary run as a peer process, so the tests start
// real peers without building raftbench first.
const peerEnv = "RAFTBENCH_LIVE_TEST_PEER"

func TestMain(m *testing.M) {
	if os.Getenv(peerEnv) == "1" {
		os.Exit(testPeerMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// testPeerMain is `raftbench peer` for the test binary.
func testPeerMain(args []string) int {
	fs := flag.NewFlagSet("peer", flag.ContinueOnError)
	var o PeerOptions
	fs.IntVar(&o.ID, "id", -1, "")
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:0", "")
	fs.StringVar(&o.DataDir, "data", "", "")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	ctx = ExitWithParent(ctx, os.Stdin)
	if err := RunPeer(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// testLauncher starts peers from the test binary itself.
func testLauncher(t testing.TB) *LocalLauncher {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(peerEnv, "1")
	return &LocalLauncher{Command: []string{exe}, DataRoot: t.TempDir()}
}
