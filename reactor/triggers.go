package reactor

import (
	"errors"
	"fmt"
)

// Phase is when, relative to a system event, a trigger runs.
type Phase uint8

// The phases of a system event, in the order they run.
const (
	Before Phase = iota
	During
	After
)

var phaseNames = [...]string{"before", "during", "after"}

func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return fmt.Sprintf("Phase(%d)", p)
}

// ParsePhase turns "before", "during" or "after" into a Phase.
func ParsePhase(s string) (Phase, error) {
	for i, name := range phaseNames {
		if s == name {
			return Phase(i), nil
		}
	}
	return 0, fmt.Errorf("%w %q (want before, during or after)", ErrUnknownPhase, s)
}

// The system events a reactor fires.
const (
	Startup  = "startup"
	Shutdown = "shutdown"
)

// Errors from the trigger calls.
var (
	ErrUnknownPhase   = errors.New("unknown phase")
	ErrUnknownEvent   = errors.New("unknown event")
	ErrUnknownTrigger = errors.New("unknown trigger")
)

// TriggerID names a trigger for RemoveSystemEventTrigger.
type TriggerID uint64

type trigger struct {
	id TriggerID
	fn func() // nil once removed or run
}

// triggers holds the triggers of both events. An event fires once; a trigger
// added for an event that has fired never runs, as in Twisted.
type triggers struct {
	lists  map[string]*[3][]*trigger
	byID   map[TriggerID]*trigger
	nextID TriggerID
}

func (t *triggers) add(phase Phase, event string, fn func()) TriggerID {
	if t.lists == nil {
		t.lists = make(map[string]*[3][]*trigger)
		t.byID = make(map[TriggerID]*trigger)
	}
	lists := t.lists[event]
	if lists == nil {
		lists = new([3][]*trigger)
		t.lists[event] = lists
	}
	t.nextID++
	tr := &trigger{id: t.nextID, fn: fn}
	lists[phase] = append(lists[phase], tr)
	t.byID[tr.id] = tr
	return tr.id
}

// take removes and returns the function of the i-th trigger of a phase, or
// nil if it was removed.
func (t *triggers) take(event string, phase Phase, i int) (fn func(), ok bool) {
	lists := t.lists[event]
	if lists == nil || i >= len(lists[phase]) {
		return nil, false
	}
	tr := lists[phase][i]
	fn, tr.fn = tr.fn, nil
	delete(t.byID, tr.id)
	return fn, true
}

// AddSystemEventTrigger registers fn to run in phase of event ("startup" or
// "shutdown") and returns an id for RemoveSystemEventTrigger. Triggers of a
// phase run in the order they were added, including ones added while the
// phase runs.
func (r *Reactor) AddSystemEventTrigger(phase Phase, event string, fn func()) (TriggerID, error) {
	if phase > After {
		return 0, fmt.Errorf("%w %v", ErrUnknownPhase, phase)
	}
	if event != Startup && event != Shutdown {
		return 0, fmt.Errorf("%w %q (want startup or shutdown)", ErrUnknownEvent, event)
	}
	return r.triggers.add(phase, event, fn), nil
}

// RemoveSystemEventTrigger removes a trigger that has not run yet. It returns
// ErrUnknownTrigger for an id that is not pending.
func (r *Reactor) RemoveSystemEventTrigger(id TriggerID) error {
	tr, ok := r.triggers.byID[id]
	if !ok {
		return fmt.Errorf("%w %d", ErrUnknownTrigger, id)
	}
	tr.fn = nil
	delete(r.triggers.byID, id)
	return nil
}

// fireSystemEvent runs the before, during and after triggers of event;
// enterDuring runs first thing in the during phase (it flips Running).
func (r *Reactor) fireSystemEvent(event string, enterDuring func()) {
	for phase := Before; phase <= After; phase++ {
		if phase == During {
			enterDuring()
		}
		for i := 0; ; i++ {
			fn, ok := r.triggers.take(event, phase, i)
			if !ok {
				break
			}
			if fn != nil && !r.halted.Load() {
				r.invoke(Func(fn))
			}
		}
	}
}
