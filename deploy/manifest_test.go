package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

const (
	manifestDir = "kubernetes"
	dockerfile  = "container/Dockerfile"
	sweepFile   = "sweep-job.yaml"
	mergeFile   = "merge-job.yaml"
	pvcFile     = "pvc.yaml"
	indexVar    = "$(JOB_COMPLETION_INDEX)"
	indexAnnot  = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
)

// manifest is one parsed file of kubernetes/.
type manifest struct {
	file string
	kind string
	name string
	obj  any // *batchv1.Job, *corev1.Pod or *corev1.PersistentVolumeClaim
}

// loadManifests parses every YAML file of kubernetes/ strictly into the
// Kubernetes API type its kind names, so a misspelt or misplaced field
// fails here as kubectl apply would fail on it.
func loadManifests(t *testing.T) map[string]manifest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(manifestDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s (%v)", manifestDir, err)
	}
	out := map[string]manifest{}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(data, &head); err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		var obj any
		switch head.APIVersion + " " + head.Kind {
		case "batch/v1 Job":
			obj = &batchv1.Job{}
		case "v1 Pod":
			obj = &corev1.Pod{}
		case "v1 PersistentVolumeClaim":
			obj = &corev1.PersistentVolumeClaim{}
		default:
			t.Errorf("%s: unexpected apiVersion %q kind %q", path, head.APIVersion, head.Kind)
			continue
		}
		if err := yaml.UnmarshalStrict(data, obj); err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if head.Metadata.Name == "" {
			t.Errorf("%s: no metadata.name", path)
		}
		name := filepath.Base(path)
		out[name] = manifest{file: name, kind: head.Kind, name: head.Metadata.Name, obj: obj}
	}
	if t.Failed() {
		t.FailNow()
	}
	return out
}

func job(t *testing.T, ms map[string]manifest, file string) *batchv1.Job {
	t.Helper()
	m, ok := ms[file]
	if !ok {
		t.Fatalf("%s/%s missing", manifestDir, file)
	}
	j, ok := m.obj.(*batchv1.Job)
	if !ok {
		t.Fatalf("%s: a %s, want a Job", file, m.kind)
	}
	return j
}

// container is the pod's one container: the manifests run raftbench alone.
func container(t *testing.T, file string, spec *corev1.PodSpec) *corev1.Container {
	t.Helper()
	if len(spec.Containers) != 1 || len(spec.InitContainers) != 0 {
		t.Fatalf("%s: %d containers and %d init containers, want one container", file, len(spec.Containers), len(spec.InitContainers))
	}
	return &spec.Containers[0]
}

// flagValue is the argument after flag in args, or "" if flag is absent or
// last.
func flagValue(args []string, flag string) string {
	i := slices.Index(args, flag)
	if i < 0 || i+1 >= len(args) {
		return ""
	}
	return args[i+1]
}

// resultsMount is the path at which the pod mounts the claim of pvc.yaml.
func resultsMount(t *testing.T, file string, spec *corev1.PodSpec, claim string) string {
	t.Helper()
	var volume string
	for _, v := range spec.Volumes {
		if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == claim {
			volume = v.Name
		}
	}
	if volume == "" {
		t.Fatalf("%s: no volume from claim %q (%s)", file, claim, pvcFile)
	}
	for _, m := range spec.Containers[0].VolumeMounts {
		if m.Name == volume {
			if m.ReadOnly {
				t.Errorf("%s: the results volume is mounted read-only", file)
			}
			return m.MountPath
		}
	}
	t.Fatalf("%s: volume %q is not mounted", file, volume)
	return ""
}

// sweepShape is what the sweep Job says and the merge Job, the README and
// the Dockerfile must agree with.
type sweepShape struct {
	n         int      // completions, and the N of -shard K/N
	outPrefix string   // -out is outPrefix + $(JOB_COMPLETION_INDEX)
	mount     string   // where the shared volume is mounted
	args      []string // the container's args
	image     string
}

func readSweep(t *testing.T, ms map[string]manifest) sweepShape {
	t.Helper()
	j := job(t, ms, sweepFile)
	spec := &j.Spec.Template.Spec
	c := container(t, sweepFile, spec)
	if j.Spec.CompletionMode == nil || *j.Spec.CompletionMode != batchv1.IndexedCompletion {
		t.Fatalf("%s: completionMode is not Indexed", sweepFile)
	}
	if j.Spec.Completions == nil || *j.Spec.Completions < 1 {
		t.Fatalf("%s: no completions", sweepFile)
	}
	n := int(*j.Spec.Completions)
	if p := j.Spec.Parallelism; p == nil || *p < 1 || int(*p) > n {
		t.Errorf("%s: parallelism missing or not in 1..completions (%d)", sweepFile, n)
	}
	if spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("%s: restartPolicy %q, want Never (a shard that failed is retried by the Job, as a new pod)", sweepFile, spec.RestartPolicy)
	}
	if j.Spec.BackoffLimitPerIndex == nil && j.Spec.BackoffLimit == nil {
		t.Errorf("%s: neither backoffLimitPerIndex nor backoffLimit", sweepFile)
	}
	if want := indexVar + "/" + strconv.Itoa(n); flagValue(c.Args, "-shard") != want {
		t.Errorf("%s: -shard %q, want %q (the N of -shard K/N is completions)", sweepFile, flagValue(c.Args, "-shard"), want)
	}
	// The index must reach the container: Kubernetes expands $(VAR) only
	// for variables the container has, and the controller adds this one
	// only to Indexed Jobs; a declaration must read the right annotation.
	for _, e := range c.Env {
		if e.Name == "JOB_COMPLETION_INDEX" && (e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != indexAnnot) {
			t.Errorf("%s: JOB_COMPLETION_INDEX is not %s", sweepFile, indexAnnot)
		}
	}
	mount := resultsMount(t, sweepFile, spec, claimName(t, ms))
	out := flagValue(c.Args, "-out")
	if !strings.HasPrefix(out, mount+"/") || !strings.HasSuffix(out, indexVar) || strings.Count(out, indexVar) != 1 {
		t.Fatalf("%s: -out %q, want a folder under %s/ ending in %s", sweepFile, out, mount, indexVar)
	}
	return sweepShape{n: n, outPrefix: strings.TrimSuffix(out, indexVar), mount: mount, args: c.Args, image: c.Image}
}

func claimName(t *testing.T, ms map[string]manifest) string {
	t.Helper()
	m, ok := ms[pvcFile]
	if !ok {
		t.Fatalf("%s/%s missing", manifestDir, pvcFile)
	}
	pvc, ok := m.obj.(*corev1.PersistentVolumeClaim)
	if !ok {
		t.Fatalf("%s: a %s, want a PersistentVolumeClaim", pvcFile, m.kind)
	}
	// The shards run at once on any nodes: only ReadWriteMany lets them all
	// write.
	if !slices.Contains(pvc.Spec.AccessModes, corev1.ReadWriteMany) {
		t.Errorf("%s: access modes %v, want ReadWriteMany", pvcFile, pvc.Spec.AccessModes)
	}
	return m.name
}

func TestSweepJob(t *testing.T) {
	ms := loadManifests(t)
	s := readSweep(t, ms)
	if s.n < 2 {
		t.Errorf("%s: %d completions: not a sharded sweep", sweepFile, s.n)
	}
}

func TestMergeJob(t *testing.T) {
	ms := loadManifests(t)
	s := readSweep(t, ms)
	j := job(t, ms, mergeFile)
	spec := &j.Spec.Template.Spec
	c := container(t, mergeFile, spec)
	if spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("%s: restartPolicy %q, want Never", mergeFile, spec.RestartPolicy)
	}
	if mount := resultsMount(t, mergeFile, spec, claimName(t, ms)); mount != s.mount {
		t.Errorf("%s mounts the results at %s, %s at %s", mergeFile, mount, sweepFile, s.mount)
	}
	if len(c.Args) < 2 || c.Args[0] != "merge" {
		t.Fatalf("%s: args %q, want merge OUT DIR...", mergeFile, c.Args)
	}
	out, dirs := c.Args[1], c.Args[2:]
	if !strings.HasPrefix(out, s.mount+"/") || strings.HasPrefix(out, s.outPrefix) {
		t.Errorf("%s: merged folder %q, want one under %s/ apart from the shards' %s*", mergeFile, out, s.mount, s.outPrefix)
	}
	var want []string
	for k := range s.n {
		want = append(want, s.outPrefix+strconv.Itoa(k))
	}
	if !slices.Equal(dirs, want) {
		t.Errorf("%s: merges %q,\nwant the %d shard folders of %s: %q", mergeFile, dirs, s.n, sweepFile, want)
	}
	if c.Image != s.image {
		t.Errorf("%s runs image %q, %s runs %q", mergeFile, c.Image, sweepFile, s.image)
	}
}

// TestPodSecurity checks every pod of the manifests runs as a non-root user
// on a read-only root filesystem, with no way to gain privileges, and that
// the user is the one the image declares.
func TestPodSecurity(t *testing.T) {
	ms := loadManifests(t)
	user := imageUser(t)
	for _, m := range ms {
		var spec *corev1.PodSpec
		switch o := m.obj.(type) {
		case *batchv1.Job:
			spec = &o.Spec.Template.Spec
		case *corev1.Pod:
			spec = &o.Spec
		default:
			continue
		}
		c := container(t, m.file, spec)
		psc, csc := spec.SecurityContext, c.SecurityContext
		nonRoot := (psc != nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot) || (csc != nil && csc.RunAsNonRoot != nil && *csc.RunAsNonRoot)
		if !nonRoot {
			t.Errorf("%s: runAsNonRoot is not set", m.file)
		}
		for _, u := range []*int64{field(psc, func(s *corev1.PodSecurityContext) *int64 { return s.RunAsUser }), field(csc, func(s *corev1.SecurityContext) *int64 { return s.RunAsUser })} {
			if u != nil && *u == 0 {
				t.Errorf("%s: runAsUser 0", m.file)
			}
			// The raftbench pods name the image's user, so files on the
			// volume belong to one user whichever image wrote them.
			if u != nil && m.file != "copy-pod.yaml" && *u != user {
				t.Errorf("%s: runAsUser %d, the image's USER is %d", m.file, *u, user)
			}
		}
		if csc == nil || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem {
			t.Errorf("%s: readOnlyRootFilesystem is not true", m.file)
		}
		if csc == nil || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
			t.Errorf("%s: allowPrivilegeEscalation is not false", m.file)
		}
		if c.Resources.Limits.Memory().IsZero() || c.Resources.Requests.Cpu().IsZero() {
			t.Errorf("%s: no memory limit or CPU request", m.file)
		}
	}
}

func field[S any](s *S, f func(*S) *int64) *int64 {
	if s == nil {
		return nil
	}
	return f(s)
}

// dockerStages splits the Dockerfile into its stages' instructions, each
// line an instruction with continuation lines joined and comments dropped.
func dockerStages(t *testing.T) [][]string {
	t.Helper()
	data, err := os.ReadFile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	var stages [][]string
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(strings.ToUpper(line), "FROM ") {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			t.Fatalf("%s: %q before the first FROM", dockerfile, line)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], line)
	}
	if len(stages) < 2 {
		t.Fatalf("%s: %d stages, want a build stage and a final one", dockerfile, len(stages))
	}
	return stages
}

// instruction is the argument of the last instruction op in stage, or "".
func instruction(stage []string, op string) string {
	var arg string
	for _, line := range stage {
		if f := strings.Fields(line); strings.EqualFold(f[0], op) {
			arg = strings.TrimSpace(line[len(f[0]):])
		}
	}
	return arg
}

// imageUser is the numeric user the final stage runs as.
func imageUser(t *testing.T) int64 {
	t.Helper()
	stages := dockerStages(t)
	user := instruction(stages[len(stages)-1], "USER")
	uid, _, _ := strings.Cut(user, ":")
	n, err := strconv.ParseInt(uid, 10, 64)
	// Numeric, or runAsNonRoot cannot verify it; and not root.
	if err != nil || n == 0 {
		t.Fatalf("%s: final stage USER %q, want a numeric non-root user", dockerfile, user)
	}
	return n
}

func TestDockerfile(t *testing.T) {
	stages := dockerStages(t)
	imageUser(t)
	build, final := stages[0], stages[len(stages)-1]
	if from := instruction(build, "FROM"); !strings.HasPrefix(from, "golang:1.26") {
		t.Errorf("%s: build stage FROM %q, want golang:1.26", dockerfile, from)
	}
	var static bool
	for _, line := range build {
		if strings.HasPrefix(line, "RUN ") && strings.Contains(line, "CGO_ENABLED=0") && strings.Contains(line, "go build") && strings.Contains(line, "./cmd/raftbench") {
			static = true
		}
	}
	if !static {
		t.Errorf("%s: no RUN CGO_ENABLED=0 go build ... ./cmd/raftbench in the build stage: the final stage has no libc", dockerfile)
	}
	from := instruction(final, "FROM")
	if !strings.Contains(from, "distroless/static") && from != "scratch" {
		t.Errorf("%s: final stage FROM %q, want distroless static or scratch", dockerfile, from)
	}
	if e := instruction(final, "ENTRYPOINT"); !strings.Contains(e, "raftbench") || !strings.HasPrefix(e, "[") {
		t.Errorf("%s: ENTRYPOINT %q, want the raftbench binary in exec form (there is no shell)", dockerfile, e)
	}
	if w := instruction(final, "WORKDIR"); w != "/work" {
		t.Errorf("%s: WORKDIR %q, want /work", dockerfile, w)
	}

	// The build context is the repository root: what .dockerignore leaves
	// out is not sent to the builder.
	data, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	ignored := strings.Fields(string(data))
	for _, want := range []string{".git", "raftbench-out", "docs"} {
		if !slices.Contains(ignored, want) {
			t.Errorf(".dockerignore does not leave out %s", want)
		}
	}
}

// readmeCommands is the lines of kubernetes/README.md's code blocks.
func readmeCommands(t *testing.T) ([]string, string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(manifestDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	in := false
	for line := range strings.SplitSeq(string(data), "\n") {
		if strings.HasPrefix(line, "```") {
			in = !in
			continue
		}
		if in {
			lines = append(lines, strings.TrimSpace(line))
		}
	}
	if len(lines) == 0 {
		t.Fatal("kubernetes/README.md has no commands")
	}
	return lines, strings.Join(strings.Fields(string(data)), " ")
}

// TestReadme checks the commands of kubernetes/README.md against the
// manifests: the files they apply exist, the Jobs and pods they wait for
// are the manifests', every manifest is applied, and the sweep and Slurm
// command lines are the sweep Job's.
func TestReadme(t *testing.T) {
	ms := loadManifests(t)
	s := readSweep(t, ms)
	lines, prose := readmeCommands(t)

	names := map[string]string{} // "job/raftbench-sweep" -> file
	for _, m := range ms {
		names[strings.ToLower(m.kind)+"/"+m.name] = m.file
	}
	applied := map[string]bool{}
	waited := map[string]bool{}
	fileArg := regexp.MustCompile(`kubectl (?:apply|delete|create) .*?-f (\S+)`)
	objArg := regexp.MustCompile(`\b(job|pod)/([a-z0-9-]+)`)
	for _, line := range lines {
		if !strings.HasPrefix(line, "kubectl ") && !strings.Contains(line, "| kubectl ") {
			continue
		}
		if m := fileArg.FindStringSubmatch(line); m != nil && m[1] != "-" {
			if _, ok := ms[m[1]]; !ok {
				t.Errorf("README: %q: no manifest %s in %s", line, m[1], manifestDir)
			}
			applied[m[1]] = true
		}
		for _, m := range objArg.FindAllStringSubmatch(line, -1) {
			ref := m[0]
			if strings.Contains(line, "| kubectl apply") {
				continue // the one-shard Job the line itself makes
			}
			if strings.HasPrefix(ref, "job/raftbench-shard-") {
				continue
			}
			if _, ok := names[ref]; !ok {
				t.Errorf("README: %q names %s, which no manifest defines", line, ref)
			}
			if strings.HasPrefix(line, "kubectl wait --for=condition=complete") {
				waited[names[ref]] = true
			}
		}
		if strings.HasPrefix(line, "kubectl cp ") || strings.HasPrefix(line, "kubectl exec ") {
			pod := strings.Fields(line)[2]
			pod, _, _ = strings.Cut(pod, ":")
			if _, ok := names["pod/"+pod]; !ok {
				t.Errorf("README: %q uses pod %s, which no manifest defines", line, pod)
			}
		}
	}
	for file := range ms {
		if !applied[file] {
			t.Errorf("README: no kubectl apply -f %s", file)
		}
	}
	for _, file := range []string{sweepFile, mergeFile} {
		if !waited[file] {
			t.Errorf("README: no kubectl wait --for=condition=complete for the Job of %s", file)
		}
	}

	// The sweep's command line as the README states it is the Job's args.
	cmdline := "raftbench " + strings.Join(s.args, " ")
	if !slices.Contains(lines, cmdline) {
		t.Errorf("README does not state the sweep Job's command line:\n%s", cmdline)
	}
	// The image it builds and pushes is the one the Jobs run.
	if !slices.Contains(lines, "IMAGE="+s.image) {
		t.Errorf("README: no IMAGE=%s, the Jobs' image", s.image)
	}
	for _, line := range lines {
		if strings.HasPrefix(line, "docker build ") {
			path := flagValue(strings.Fields(line), "-f")
			if _, err := os.Stat(filepath.Join("..", path)); err != nil {
				t.Errorf("README: %q: %v", line, err)
			}
		}
	}

	// The Slurm paragraph: an array of N tasks, the same sweep flags, the
	// same shard count, and a merge of the N folders after all of them.
	sweepFlags := strings.Join(s.args[:slices.Index(s.args, "-shard")], " ")
	for _, want := range []string{
		fmt.Sprintf("--array=0-%d", s.n-1),
		"raftbench " + sweepFlags + " -shard ${SLURM_ARRAY_TASK_ID}/" + strconv.Itoa(s.n),
		"--dependency=afterok:",
		slurmMerge(s.n) + "'",
	} {
		if !strings.Contains(prose, want) {
			t.Errorf("README's Slurm paragraph lacks %q", want)
		}
	}
}

// TestOneShardRecipe applies the README's sed line for running one shard
// again to sweep-job.yaml and checks the Job it makes runs that shard.
func TestOneShardRecipe(t *testing.T) {
	ms := loadManifests(t)
	s := readSweep(t, ms)
	lines, _ := readmeCommands(t)
	var recipe string
	for _, line := range lines {
		if strings.HasPrefix(line, "sed ") && strings.HasSuffix(line, sweepFile+" | kubectl apply -f -") {
			recipe = line
		}
	}
	if recipe == "" {
		t.Fatalf("README: no sed ... %s | kubectl apply -f - line", sweepFile)
	}
	data, err := os.ReadFile(filepath.Join(manifestDir, sweepFile))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	// Each -e 's/OLD/NEW/[g]' as sed would apply it; OLD is a literal in
	// these expressions but for \$, \( and \) escapes.
	expr := regexp.MustCompile(`-e '(s/((?:[^/\\]|\\.)*)/((?:[^/\\]|\\.)*)/(g?))'`)
	subs := expr.FindAllStringSubmatch(recipe, -1)
	if len(subs) == 0 {
		t.Fatalf("README: %q: no -e 's/.../.../' expressions", recipe)
	}
	unescape := strings.NewReplacer(`\$`, `$`, `\(`, `(`, `\)`, `)`, `\.`, `.`, `\/`, `/`)
	for _, sub := range subs {
		old, repl := unescape.Replace(sub[2]), sub[3]
		if !strings.Contains(text, old) {
			t.Errorf("README: %q: %s has no %q", sub[1], sweepFile, old)
		}
		if sub[4] == "g" {
			text = strings.ReplaceAll(text, old, repl)
		} else {
			text = strings.Replace(text, old, repl, 1)
		}
	}
	var j batchv1.Job
	if err := yaml.UnmarshalStrict([]byte(text), &j); err != nil {
		t.Fatalf("the one-shard Job does not parse: %v", err)
	}
	c := j.Spec.Template.Spec.Containers[0]
	k := strings.TrimPrefix(j.Name, "raftbench-shard-")
	if k == j.Name {
		t.Fatalf("the one-shard Job is named %q, want raftbench-shard-K", j.Name)
	}
	if !slices.Contains(lines, "kubectl exec raftbench-copy -- rm -rf "+s.outPrefix+k) {
		t.Errorf("README: the folder of shard %s is not removed before it runs again", k)
	}
	if got, want := flagValue(c.Args, "-shard"), k+"/"+strconv.Itoa(s.n); got != want {
		t.Errorf("the one-shard Job runs -shard %q, want %q", got, want)
	}
	if got, want := flagValue(c.Args, "-out"), s.outPrefix+k; got != want {
		t.Errorf("the one-shard Job writes -out %q, want %q", got, want)
	}
	if c := j.Spec.Completions; c == nil || *c != 1 {
		t.Errorf("the one-shard Job does not have completions: 1")
	}
}

// slurmMerge is the Slurm merge command over n shard folders.
func slurmMerge(n int) string {
	cmd := "raftbench merge results/merged"
	for k := range n {
		cmd += " results/shard-" + strconv.Itoa(k)
	}
	return cmd
}
