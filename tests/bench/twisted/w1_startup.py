"""W1 startup (Twisted): a when-running callback prints "hello" and stops."""
import benchreactor  # noqa: F401
from twisted.internet import reactor


def hello():
    print("hello", flush=True)
    reactor.stop()


reactor.callWhenRunning(hello)
reactor.run()
