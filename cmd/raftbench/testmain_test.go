package main

import (
	"os"
	"testing"
)

// asRaftbenchEnv makes the test binary run as raftbench itself: commands
// that start peer processes from their own executable (probe's loopback
// peer, -runtime process) then start this binary, without a build of
// raftbench first.
const asRaftbenchEnv = "RAFTBENCH_CMD_TEST_AS_RAFTBENCH"

func TestMain(m *testing.M) {
	if os.Getenv(asRaftbenchEnv) == "1" {
		main() // exits
	}
	os.Exit(m.Run())
}
