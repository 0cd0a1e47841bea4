"""Values written as JavaScript writes them (the display strings and messages the web UI shows)."""

from __future__ import annotations

import unittest

from gatehouse import _js


class NumberToString(unittest.TestCase):
    # What String(x) gives in Node for each.
    CASES = {
        0.0: "0",
        -0.0: "0",
        1.0: "1",
        -1.5: "-1.5",
        100.0: "100",
        123e-20: "1.23e-18",
        1e21: "1e+21",
        1.5e300: "1.5e+300",
        999999999999999900000.0: "999999999999999900000",
        2.0**53: "9007199254740992",
        5e-324: "5e-324",
        1.7976931348623157e308: "1.7976931348623157e+308",
        0.000001: "0.000001",
        0.0000001: "1e-7",
        float("inf"): "Infinity",
        float("-inf"): "-Infinity",
        float("nan"): "NaN",
    }

    def test_cases(self) -> None:
        for value, expected in self.CASES.items():
            with self.subTest(value):
                self.assertEqual(_js.number_to_string(value), expected)

    def test_to_fixed(self) -> None:
        cases = [
            (0.5, 0, "1"),
            (1.5, 0, "2"),
            (-1.5, 0, "-2"),
            (1.45, 1, "1.4"),
            (8.345, 2, "8.35"),
            (-0.0, 2, "0.00"),
            (1e21, 3, "1e+21"),
            (123.456, 0, "123"),
        ]
        for value, decimals, expected in cases:
            with self.subTest((value, decimals)):
                self.assertEqual(_js.to_fixed(value, decimals), expected)


class Strings(unittest.TestCase):
    def test_json_string(self) -> None:
        self.assertEqual(_js.json_string('a"b\\c\n\u2028é😀'), '"a\\"b\\\\c\\n\u2028é😀"')
        self.assertEqual(_js.json_string("\ud83d"), '"\\ud83d"')

    def test_trim_is_javascripts(self) -> None:
        self.assertEqual(_js.trim("\ufeff\u00a0 x \u3000"), "x")
        self.assertEqual(
            _js.trim("\x1cx"), "\x1cx"
        )  # Python's strip() would remove \x1c; JavaScript does not

    def test_utf16(self) -> None:
        self.assertEqual(_js.utf16_length("a😀"), 3)
        self.assertEqual(_js.utf16_slice("a😀b", 2), "a\ud83d")


if __name__ == "__main__":
    unittest.main()
