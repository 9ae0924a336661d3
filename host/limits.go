package host

import (
	"time"

	"github.com/loopscript/loopscript/luabind"
)

// SlowCallback describes a callback that held the loop longer than
// Options.WarnSlow.
type SlowCallback = luabind.SlowCallback

// Defaults of the options about time.
const (
	// DefaultWarnSlow is the slow-callback threshold when Options.WarnSlow
	// is zero.
	DefaultWarnSlow = 500 * time.Millisecond
	// DefaultSandboxCallbackTime is Options.MaxCallbackTime under a Sandbox
	// when it is zero.
	DefaultSandboxCallbackTime = time.Second
	// DefaultSandboxStringSize is Options.MaxStringSize under a Sandbox when
	// it is zero; without a sandbox it is luabind.DefaultMaxStringSize.
	DefaultSandboxStringSize = 16 << 20
)

// limits turns the options about time and size into the Runtime's Limits.
func (o *Options) limits() luabind.Limits {
	l := luabind.Limits{
		WarnSlow:        o.WarnSlow,
		OnSlow:          o.OnSlowCallback,
		MaxCallbackTime: max(o.MaxCallbackTime, 0),
		MaxRunTime:      max(o.MaxRunTime, 0),
		MaxStringSize:   o.MaxStringSize,
		Interruptible:   o.Interruptible,
	}
	switch {
	case o.WarnSlow == 0:
		l.WarnSlow = DefaultWarnSlow
	case o.WarnSlow < 0:
		l.WarnSlow = 0
	}
	if o.Sandbox != nil {
		if o.MaxCallbackTime == 0 {
			l.MaxCallbackTime = DefaultSandboxCallbackTime
		}
		if o.MaxStringSize <= 0 {
			l.MaxStringSize = DefaultSandboxStringSize
		}
	}
	return l
}
