"""Command-line options shared by the network workloads' Twisted servers:
--port N (0: any free port), --iface HOST, and for the poetry server the
file, as the loopscript scripts take them."""
import argparse


def parse_args(with_file=False):
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--iface", default="127.0.0.1")
    if with_file:
        parser.add_argument("file")
    return parser.parse_args()
