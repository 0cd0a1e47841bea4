"""Frames the hub sends that break the protocol end the worker (status 2), saying why in the log; frames are
read by their length however the bytes arrive."""

from __future__ import annotations

import json
import struct
import unittest

from .helpers.views_app import WorkerTestCase


class Violations(WorkerTestCase):
    """A frame the hub sends that breaks the protocol ends the worker (status 2), saying why in the log."""

    def assert_ends(self, data: bytes, reason: str) -> None:
        worker = self.ready_worker()
        worker.send_raw(data)
        self.assertIsNone(worker.read())
        status, _, err = worker.finish()
        self.assertEqual(status, 2, err)
        self.assertIn(reason, err)

    def frame(self, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + body

    def test_garbage_frames_end_the_worker(self) -> None:
        invoke = {
            "type": "invoke",
            "id": "1",
            "view": "echo",
            "params": {},
            "hubUrl": "http://h",
            "capability": "c",
            "hostMap": {},
        }
        cases = {
            "length 0": (struct.pack(">I", 0), "length 0"),
            "length over 1 MiB": (struct.pack(">I", 1024 * 1024 + 1), "announces 1048577 bytes"),
            "not UTF-8": (self.frame(b'{"type":"\xff"}'), "not UTF-8"),
            "a byte-order mark": (self.frame(b'\xef\xbb\xbf{"type":"shutdown"}'), "byte-order mark"),
            "not JSON": (self.frame(b"{type: shutdown}"), "not JSON"),
            "NaN": (self.frame(b'{"type":"invoke","x":NaN}'), "not JSON"),
            "deep nesting": (self.frame(b"[" * 100_000), "not JSON"),
            "not an object": (self.frame(b'["invoke"]'), "not an object"),
            "no type": (self.frame(b'{"kind":"invoke"}'), 'no string "type"'),
            "an unknown type": (self.frame(b'{"type":"ready"}'), 'unknown type "ready"'),
            "an invoke without a capability": (
                self.frame(json.dumps({**invoke, "capability": None}).encode()),
                'no string "capability"',
            ),
            "an invoke with params not an object": (
                self.frame(json.dumps({**invoke, "params": []}).encode()),
                '"params" is not an object',
            ),
            "a host map of numbers": (
                self.frame(json.dumps({**invoke, "hostMap": {"api.bentley.com": 8091}}).encode()),
                '"hostMap" is not an object of strings',
            ),
            "a host map to something that is not http": (
                self.frame(json.dumps({**invoke, "hostMap": {"api.bentley.com": "file:///etc"}}).encode()),
                "not an http(s) URL",
            ),
            "a hub URL that is not http": (
                self.frame(json.dumps({**invoke, "hubUrl": "file:///etc/passwd"}).encode()),
                '"hubUrl" is not an http(s) URL',
            ),
        }
        for name, (data, reason) in cases.items():
            with self.subTest(name):
                self.assert_ends(data, reason)

    def test_an_id_still_in_flight_ends_the_worker(self) -> None:
        worker = self.ready_worker()
        worker.invoke("same", "blocks")
        worker.invoke("same", "echo")
        self.assertIsNone(worker.read())
        status, _, err = worker.finish()
        self.assertEqual(status, 2)
        self.assertIn('reuses the id "same"', err)

    def test_frames_split_and_joined_are_read_by_length(self) -> None:
        worker = self.ready_worker()
        bodies = [
            json.dumps(
                {
                    "type": "invoke",
                    "id": str(i),
                    "view": "echo",
                    "params": {"name": f"n{i}"},
                    "hubUrl": "http://h",
                    "capability": "c",
                    "hostMap": {},
                }
            ).encode()
            for i in range(3)
        ]
        data = b"".join(self.frame(body) for body in bodies)
        worker.send_raw(data[:3])  # half a header
        worker.send_raw(data[3:10])  # the rest of it and a little of the body
        worker.send_raw(data[10:])  # the rest of frame 1 and frames 2 and 3 in one write
        results = worker.read_results(3)
        self.assertEqual(sorted(results), ["0", "1", "2"])
        self.assertEqual(results["2"]["result"]["groups"][0]["items"][0]["value"], "n2")


if __name__ == "__main__":
    unittest.main()
