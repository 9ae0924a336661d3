# The Twisted side of luabind's TestBasicAgainstTwisted: runs the same
# scripted receivers as basicHarness (basic_test.go) over Twisted 22.4's
# twisted.protocols.basic, on the same chunks, and prints what they did.
#
# stdin: a JSON list of cases {"kind": "lines" | "netstrings" | "int32",
# "delimiter": base64 or null, "max": int (0: the default), "flags": str,
# "chunks": [base64]}. stdout: a JSON list of {"events": [base64],
# "log": [base64]}, one per case.

import base64
import json
import re
import sys

from twisted.internet.testing import StringTransport
from twisted.protocols import basic


class Transport(StringTransport):
    def __init__(self):
        super().__init__()
        self.log = []

    def write(self, data):
        self.log.append(b"write " + data)

    def writeSequence(self, seq):
        self.write(b"".join(seq))

    def loseConnection(self):
        self.log.append(b"lose")
        self.disconnecting = True

    def pauseProducing(self):
        self.log.append(b"pause")

    def resumeProducing(self):
        self.log.append(b"resume")


class Lines(basic.LineReceiver):
    def lineReceived(self, line):
        self.events.append(b"L" + line)
        if "e" in self.flags:
            self.sendLine(line)
        if line == b"raw":
            self.setRawMode()
        elif line == b"close":
            self.transport.loseConnection()
        elif line == b"pause":
            self.pauseProducing()
        elif line == b"clear" and "c" in self.flags:
            self.events.append(b"B" + self.clearLineBuffer())
        elif line == b"stop" and "s" in self.flags:
            return True

    def rawDataReceived(self, data):
        i = data.find(b"!")
        if i < 0:
            self.events.append(b"R" + data)
            return
        self.events.append(b"R" + data[:i])
        self.setLineMode(data[i + 1 :])

    def lineLengthExceeded(self, line):
        self.events.append(b"X" + line)
        return super().lineLengthExceeded(line)


class Netstrings(basic.NetstringReceiver):
    # Twisted's pattern ends in "$", which also matches before a final
    # newline, so "12\n" at the end of the data waits for more instead of
    # being malformed; luabind's does not wait (a deliberate difference).
    _LENGTH_PREFIX = re.compile(rb"(0|[1-9]\d*)\Z")

    def stringReceived(self, s):
        self.events.append(b"S" + s)
        if "e" in self.flags:
            self.sendString(s)
        if s == b"close":
            self.transport.loseConnection()


class Int32(basic.Int32StringReceiver):
    def stringReceived(self, s):
        self.events.append(b"S" + s)
        if "e" in self.flags:
            self.sendString(s)
        if s == b"pause":
            self.pauseProducing()

    def lengthLimitExceeded(self, length):
        self.events.append(b"X%d" % length)
        return super().lengthLimitExceeded(length)


KINDS = {"lines": Lines, "netstrings": Netstrings, "int32": Int32}


def run(case):
    p = KINDS[case["kind"]]()
    p.events = []
    p.flags = case["flags"]
    if case.get("delimiter") is not None:
        p.delimiter = base64.b64decode(case["delimiter"])
    if case["max"]:
        p.MAX_LENGTH = case["max"]
    t = Transport()
    p.makeConnection(t)
    for chunk in case["chunks"]:
        if t.disconnecting:
            break
        p.dataReceived(base64.b64decode(chunk))
        while getattr(p, "paused", False) and not t.disconnecting:
            p.events.append(b"U")
            p.resumeProducing()
    if getattr(p, "brokenPeer", 0):
        p.events.append(b"B")
    enc = lambda xs: [base64.b64encode(x).decode() for x in xs]
    return {"events": enc(p.events), "log": enc(t.log)}


json.dump([run(c) for c in json.load(sys.stdin)], sys.stdout)
