// Package report turns a sweep's results into a tuning report: charts
// (package plots), a per-setting table and a recommendation — the setting
// with the lowest p99 downtime whose fault-free spurious-election rate and
// RPC rate stay under the user's limits — compared with etcd's rule of thumb
// for the same network. It writes report.md (charts beside it) and a
// self-contained report.html, and can rebuild both from a saved output
// folder.
package report
