package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"time"
)

// SampleFileFormat names the format of a file of measured samples. A reader
// refuses any other, so a results file or a trace given to empirical: is
// named as the wrong kind of file instead of being read as no samples.
const SampleFileFormat = "raftbench-samples/v1"

// EmpiricalForm is how the empirical model is spelt, for error messages.
const EmpiricalForm = "empirical:FILE, a JSON file of samples such as raftbench probe writes (\"format\": \"" + SampleFileFormat + "\")"

// SampleFile is the JSON file an empirical model reads: the measured
// samples of one quantity, their unit, and when, where and how they were
// measured. raftbench probe writes one per quantity; a file written by hand
// (from ping, say) needs only format, unit and samples.
type SampleFile struct {
	Format string `json:"format"`
	// Quantity is what was measured: "one-way latency", "fsync", ...
	Quantity string `json:"quantity"`
	// Unit is the unit of Samples and Summary: ns, us, ms or s.
	Unit     string      `json:"unit"`
	Measured Measurement `json:"measured"`
	// Summary is for people reading the file; the model uses Samples only.
	Summary *SampleSummary `json:"summary,omitempty"`
	Samples []float64      `json:"samples"`
}

// Measurement says when, where and how samples were measured, so that a
// figure taken from them can say so (ARCHITECTURE.md: every figure says
// whether it was simulated or measured, on what, with which command).
type Measurement struct {
	At       time.Time `json:"at"`
	Host     string    `json:"host,omitempty"`
	Platform string    `json:"platform,omitempty"` // OS/arch and Go release
	Command  string    `json:"command,omitempty"`
	Method   string    `json:"method,omitempty"`
	// Target is the address whose round trip was measured.
	Target string `json:"target,omitempty"`
	// Dir and Filesystem are the folder whose disk was measured and its
	// file system.
	Dir        string `json:"dir,omitempty"`
	Filesystem string `json:"filesystem,omitempty"`
}

// SampleSummary is the samples' distribution in the file's unit.
type SampleSummary struct {
	N    int     `json:"n"`
	Min  float64 `json:"min"`
	P10  float64 `json:"p10"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

var units = map[string]time.Duration{"ns": time.Nanosecond, "us": time.Microsecond, "µs": time.Microsecond, "ms": time.Millisecond, "s": time.Second}

// NewSampleFile holds samples in milliseconds (the unit of raftbench's
// tables), written to the nanosecond so they read back exactly.
func NewSampleFile(quantity string, samples []time.Duration, m Measurement) *SampleFile {
	f := &SampleFile{Format: SampleFileFormat, Quantity: quantity, Unit: "ms", Measured: m, Samples: make([]float64, len(samples))}
	for i, d := range samples {
		f.Samples[i] = float64(d) / float64(time.Millisecond)
	}
	return f
}

// Durations are the samples as durations.
func (f *SampleFile) Durations() ([]time.Duration, error) {
	unit, ok := units[f.Unit]
	if !ok {
		return nil, fmt.Errorf("unit %q; want ns, us, ms or s", f.Unit)
	}
	out := make([]time.Duration, len(f.Samples))
	for i, x := range f.Samples {
		ns := math.Round(x * float64(unit))
		if math.Abs(ns) >= math.MaxInt64 {
			return nil, fmt.Errorf("sample %d (%g%s) is too long for a duration", i+1, x, f.Unit)
		}
		out[i] = time.Duration(ns)
	}
	return out, nil
}

// ReadSampleFile reads a file of samples; its errors name the file.
func ReadSampleFile(path string) (*SampleFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err // *PathError: names the file
	}
	var f SampleFile
	if err := json.Unmarshal(b, &f); err != nil {
		// Unmarshal checks the whole input first, so anything that is not
		// JSON, a truncated file too, is a SyntaxError.
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, fmt.Errorf("%s is not JSON: %v", path, err)
		}
		return nil, fmt.Errorf("%s is not a file of samples: %v", path, err)
	}
	if f.Format != SampleFileFormat {
		return nil, fmt.Errorf("%s is not a file of samples (its \"format\" is %q)", path, f.Format)
	}
	return &f, nil
}

// LoadEmpirical reads the empirical model in the file at path.
func LoadEmpirical(path string) (*Empirical, error) {
	f, err := ReadSampleFile(path)
	if err != nil {
		return nil, err
	}
	samples, err := f.Durations()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(samples) == 0 {
		return nil, fmt.Errorf("%s holds no samples", path)
	}
	e := &Empirical{File: path, Samples: samples}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return e, nil
}
