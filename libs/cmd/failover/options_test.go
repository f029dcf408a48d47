package main

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestBuild(t *testing.T) {
	for _, c := range []struct {
		args     []string
		err      string
		settings map[string]string
		beat     time.Duration
	}{
		{[]string{"-lib", "etcd"}, "", map[string]string{"tick": "100ms", "election_tick": "10", "prevote": "true", "checkquorum": "true"}, 100 * time.Millisecond},
		{[]string{"-lib", "etcd", "-heartbeat", "50ms", "-election-timeout", "500ms", "-prevote=false"}, "", map[string]string{"election_tick": "10", "prevote": "false"}, 50 * time.Millisecond},
		{[]string{"-lib", "hashicorp", "-heartbeat-timeout", "150ms", "-election-timeout", "150ms", "-lease-timeout", "75ms"}, "",
			map[string]string{"heartbeat_timeout": "150ms", "leader_lease_timeout": "75ms", "prevote": "true"}, 15 * time.Millisecond},
		{[]string{"-lib", "etcd", "-election-timeout", "150ms"}, "multiple of -heartbeat", nil, 0},
		{[]string{"-lib", "hashicorp", "-lease-timeout", "2s"}, "LeaderLeaseTimeout", nil, 0},
		{[]string{"-lib", "zookeeper"}, "want etcd or hashicorp", nil, 0},
		{[]string{"-lib", "hashicorp", "-fresh"}, "", map[string]string{"fresh": "true", "heartbeat_timeout": "1s"}, 100 * time.Millisecond},
		{[]string{"-lib", "etcd", "-fresh"}, "hashicorp only", nil, 0},
		{[]string{"-lib", "etcd", "-trace", "-"}, "hashicorp only", nil, 0},
		{[]string{"-latency", "slow"}, "latency", nil, 0},
	} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		o := declare(fs)
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		s, err := o.build()
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%v: error %v, want one containing %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		for k, v := range c.settings {
			if s.settings[k] != v {
				t.Errorf("%v: setting %s = %q, want %q", c.args, k, s.settings[k], v)
			}
		}
		if s.plan.Heartbeat != c.beat || s.plan.Settle != 5*c.beat {
			t.Errorf("%v: heartbeat %v, settle %v; want %v and 5×", c.args, s.plan.Heartbeat, s.plan.Settle, c.beat)
		}
	}
}
