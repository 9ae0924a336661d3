package reactor

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// addTrigger adds a trigger and fails the test on an error.
func addTrigger(t testing.TB, r *Reactor, phase Phase, event string, fn func()) TriggerID {
	t.Helper()
	id, err := r.AddSystemEventTrigger(phase, event, fn)
	if err != nil {
		t.Fatalf("AddSystemEventTrigger(%v, %q): %v", phase, event, err)
	}
	return id
}

// TestTriggerOrder: each event runs its before, during and after triggers in
// that order, each phase in the order the triggers were added, whatever the
// order of adding across phases. Startup's after phase is where the
// when-running callbacks run.
func TestTriggerOrder(t *testing.T) {
	r, _, log := newVirtualReactor(t)
	tr := &trace{}
	adds := []struct {
		phase Phase
		event string
		name  string
	}{
		{After, Shutdown, "after shutdown 1"},
		{During, Startup, "during startup 1"},
		{Before, Shutdown, "before shutdown 1"},
		{After, Startup, "after startup 1"},
		{Before, Startup, "before startup 1"},
		{During, Shutdown, "during shutdown 1"},
		{Before, Startup, "before startup 2"},
		{After, Shutdown, "after shutdown 2"},
		{During, Startup, "during startup 2"},
		{Before, Shutdown, "before shutdown 2"},
		{During, Shutdown, "during shutdown 2"},
		{After, Startup, "after startup 2"},
	}
	ids := map[TriggerID]bool{}
	for i, a := range adds {
		if i == 5 {
			r.CallWhenRunning(tr.step("when running"))
		}
		id := addTrigger(t, r, a.phase, a.event, tr.step(a.name))
		if id == 0 || ids[id] {
			t.Errorf("trigger id %d is zero or reused", id)
		}
		ids[id] = true
	}
	r.CallLater(0, func() { tr.add("timer"); mustStop(t, r) })
	mustRun(t, r)
	noErrors(t, log)
	tr.expect(t,
		"before startup 1", "before startup 2",
		"during startup 1", "during startup 2",
		"after startup 1", "when running", "after startup 2",
		"timer",
		"before shutdown 1", "before shutdown 2",
		"during shutdown 1", "during shutdown 2",
		"after shutdown 1", "after shutdown 2",
	)
}

func TestRemoveSystemEventTrigger(t *testing.T) {
	r, _, log := newVirtualReactor(t)
	tr := &trace{}
	addTrigger(t, r, Before, Startup, tr.step("kept 1"))
	gone := addTrigger(t, r, Before, Startup, tr.step("removed before Run"))
	addTrigger(t, r, Before, Startup, tr.step("kept 2"))
	if err := r.RemoveSystemEventTrigger(gone); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if err := r.RemoveSystemEventTrigger(gone); !errors.Is(err, ErrUnknownTrigger) {
		t.Errorf("second Remove = %v, want ErrUnknownTrigger", err)
	}

	// Removed while its event fires, before its turn: it does not run.
	var samePhase, laterPhase, ran TriggerID
	ran = addTrigger(t, r, Before, Shutdown, func() {
		tr.add("remover")
		must(t, r.RemoveSystemEventTrigger(samePhase))
		must(t, r.RemoveSystemEventTrigger(laterPhase))
		// A trigger that is running has run: it can no longer be removed.
		if err := r.RemoveSystemEventTrigger(ran); !errors.Is(err, ErrUnknownTrigger) {
			t.Errorf("removing the running trigger = %v, want ErrUnknownTrigger", err)
		}
	})
	samePhase = addTrigger(t, r, Before, Shutdown, tr.step("removed, same phase"))
	laterPhase = addTrigger(t, r, After, Shutdown, tr.step("removed, later phase"))
	addTrigger(t, r, After, Shutdown, tr.step("after shutdown"))
	startupRan := addTrigger(t, r, During, Startup, tr.step("during startup"))

	r.CallLater(0, func() {
		if err := r.RemoveSystemEventTrigger(startupRan); !errors.Is(err, ErrUnknownTrigger) {
			t.Errorf("removing a trigger that ran = %v, want ErrUnknownTrigger", err)
		}
		mustStop(t, r)
	})
	mustRun(t, r)
	noErrors(t, log)
	tr.expect(t, "kept 1", "kept 2", "during startup", "remover", "after shutdown")

	for _, id := range []TriggerID{0, 12345} {
		err := r.RemoveSystemEventTrigger(id)
		if !errors.Is(err, ErrUnknownTrigger) {
			t.Errorf("Remove(%d) = %v, want ErrUnknownTrigger", id, err)
		}
	}
}

// TestTriggersAddedLate: a trigger added while its own phase runs runs in
// that phase; one added for a phase or an event that has already fired never
// runs, as in Twisted.
func TestTriggersAddedLate(t *testing.T) {
	r, _, log := newVirtualReactor(t)
	tr := &trace{}
	addTrigger(t, r, Before, Startup, func() {
		tr.add("before startup")
		addTrigger(t, r, Before, Startup, tr.step("added to the running phase"))
		addTrigger(t, r, After, Startup, tr.step("added to a later phase"))
	})
	addTrigger(t, r, During, Startup, func() {
		tr.add("during startup")
		addTrigger(t, r, Before, Startup, tr.step("NEVER: phase already past"))
	})
	r.CallLater(0, func() {
		tr.add("timer")
		addTrigger(t, r, After, Startup, tr.step("NEVER: event already fired"))
		addTrigger(t, r, Before, Shutdown, tr.step("shutdown trigger added while running"))
		mustStop(t, r)
	})
	addTrigger(t, r, During, Shutdown, func() {
		tr.add("during shutdown")
		addTrigger(t, r, Before, Shutdown, tr.step("NEVER: shutdown phase already past"))
		addTrigger(t, r, During, Shutdown, tr.step("added to during shutdown"))
		r.CallWhenRunning(tr.step("NEVER: when running during shutdown"))
	})
	mustRun(t, r)
	addTrigger(t, r, Before, Shutdown, tr.step("NEVER: added after Run returned"))
	r.CallWhenRunning(tr.step("NEVER: when running after Run returned"))
	noErrors(t, log)
	tr.expect(t,
		"before startup", "added to the running phase",
		"during startup",
		"added to a later phase",
		"timer",
		"shutdown trigger added while running",
		"during shutdown", "added to during shutdown",
	)
}

func TestTriggerArgumentErrors(t *testing.T) {
	r, _, _ := newVirtualReactor(t)
	cases := []struct {
		phase   Phase
		event   string
		want    error
		message string
	}{
		{Phase(3), Startup, ErrUnknownPhase, "unknown phase Phase(3)"},
		{Phase(255), Shutdown, ErrUnknownPhase, "unknown phase Phase(255)"},
		{Before, "boot", ErrUnknownEvent, `unknown event "boot" (want startup or shutdown)`},
		{During, "", ErrUnknownEvent, `unknown event ""`},
		{After, "Startup", ErrUnknownEvent, `unknown event "Startup"`},
	}
	for _, c := range cases {
		id, err := r.AddSystemEventTrigger(c.phase, c.event, func() {})
		if !errors.Is(err, c.want) {
			t.Errorf("Add(%v, %q) = %v, want %v", c.phase, c.event, err, c.want)
			continue
		}
		if id != 0 {
			t.Errorf("Add(%v, %q) failed but returned id %d", c.phase, c.event, id)
		}
		if !strings.Contains(err.Error(), c.message) {
			t.Errorf("Add(%v, %q) error %q does not contain %q", c.phase, c.event, err, c.message)
		}
	}
}

func TestParsePhase(t *testing.T) {
	cases := []struct {
		in   string
		want Phase
		ok   bool
	}{
		{"before", Before, true},
		{"during", During, true},
		{"after", After, true},
		{"Before", 0, false},
		{"", 0, false},
		{"afterwards", 0, false},
	}
	for _, c := range cases {
		got, err := ParsePhase(c.in)
		if c.ok {
			if err != nil || got != c.want {
				t.Errorf("ParsePhase(%q) = %v, %v; want %v", c.in, got, err, c.want)
			}
			if got.String() != c.in {
				t.Errorf("%v.String() = %q, want %q", got, got.String(), c.in)
			}
			continue
		}
		if !errors.Is(err, ErrUnknownPhase) {
			t.Errorf("ParsePhase(%q) error = %v, want ErrUnknownPhase", c.in, err)
		} else if want := `unknown phase "` + c.in + `" (want before, during or after)`; err.Error() != want {
			t.Errorf("ParsePhase(%q) error = %q, want %q", c.in, err, want)
		}
	}
	if got := Phase(9).String(); got != "Phase(9)" {
		t.Errorf("Phase(9).String() = %q", got)
	}
}

// TestStopInStartupTrigger: stopping during startup still completes startup
// (when-running callbacks included) before shutting down.
func TestStopInStartupTrigger(t *testing.T) {
	for _, phase := range []Phase{Before, During, After} {
		t.Run(phase.String(), func(t *testing.T) {
			r, _, log := newVirtualReactor(t)
			tr := &trace{}
			addTrigger(t, r, phase, Startup, func() { tr.add("stopper"); mustStop(t, r) })
			r.CallWhenRunning(tr.step("when running"))
			r.CallLater(time.Second, tr.step("NEVER: timer not yet due"))
			addTrigger(t, r, After, Shutdown, tr.step("after shutdown"))
			mustRun(t, r)
			noErrors(t, log)
			tr.expect(t, "stopper", "when running", "after shutdown")
		})
	}
}
