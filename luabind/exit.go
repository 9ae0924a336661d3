package luabind

import "fmt"

// ExitError ends a run because the script called os.exit(Code). It is
// returned, never acted on: the embedder decides whether the process ends.
type ExitError struct {
	Code int
}

func (e *ExitError) Error() string { return fmt.Sprintf("script called os.exit(%d)", e.Code) }
