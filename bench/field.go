package bench

import "fmt"

// FieldError is a configuration value that cannot work. Field is named as
// the raftbench command line names it ("interval", "eligible"), so the
// message reads as the flag to fix; Value is the value as given; Err says
// what is wrong and what is accepted.
type FieldError struct {
	Field string
	Value string
	Err   error
}

func (e *FieldError) Error() string { return fmt.Sprintf("-%s %q: %v", e.Field, e.Value, e.Err) }

func (e *FieldError) Unwrap() error { return e.Err }

// fieldError is a FieldError whose reason is formatted.
func fieldError(field string, value any, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Value: fmt.Sprint(value), Err: fmt.Errorf(format, args...)}
}
