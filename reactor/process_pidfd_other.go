//go:build unix && !linux

package reactor

import "syscall"

// exitWatchAttr asks nothing of the fork: there is no pidfd here.
func exitWatchAttr(*syscall.SysProcAttr, *int) *syscall.SysProcAttr { return nil }

// exitSlot is empty: the exit is watched by a goroutine here.
type exitSlot struct{}

// watchExit reaps the child from a goroutine: there is no pidfd here.
func (r *Reactor) watchExit(p *Process, _ int) exitWatcher { return r.waitExitOffLoop(p) }
