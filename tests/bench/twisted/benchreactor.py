"""Installs the Twisted reactor named by $BENCH_REACTOR (epoll, poll or
select; epoll by default) and starts logging to stderr, so that unhandled
errors are reported. Import it before twisted.internet.reactor."""
import os
import sys

from twisted.logger import globalLogBeginner, textFileLogObserver

_kind = os.environ.get("BENCH_REACTOR", "epoll")
if _kind == "epoll":
    from twisted.internet import epollreactor as _module
elif _kind == "poll":
    from twisted.internet import pollreactor as _module
elif _kind == "select":
    from twisted.internet import selectreactor as _module
else:
    sys.exit("unknown reactor %r" % _kind)
_module.install()
globalLogBeginner.beginLoggingTo([textFileLogObserver(sys.stderr)],
                                 redirectStandardIO=False)
