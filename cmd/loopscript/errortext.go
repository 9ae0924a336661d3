package main

import (
	"errors"

	"github.com/loopscript/loopscript/host"
)

// errorText is an error of a chunk as loopscript shows it: the message,
// then the traceback.
func errorText(err error) string {
	var se *host.ScriptError
	if errors.As(err, &se) && se.Traceback != "" {
		return se.Message + "\n" + se.Traceback
	}
	return err.Error()
}
