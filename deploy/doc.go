// Package deploy holds no code: it is the module of the tests that check
// raftbench's container image definition (container/Dockerfile) and its
// Kubernetes manifests (kubernetes/) against each other and against the
// commands kubernetes/README.md gives. It is a module of its own so the
// Kubernetes API types and the YAML parser the tests use never enter the
// main module's go.mod.
package deploy
