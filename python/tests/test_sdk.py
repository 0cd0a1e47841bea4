"""What the Python SDK checks beyond the shared parity fixtures: Python's own types (checked at run time,
where TypeScript checks them at compile time), VIKTOR's call shapes, and that built results stay checked."""

from __future__ import annotations

import contextlib
import fractions
import io
import unittest
from decimal import Decimal
from typing import Any

import gatehouse as vkt


def item_json(item: vkt.DataItem) -> dict[str, Any]:
    return item.to_json()


class Results(unittest.TestCase):
    def test_the_seeds_call_shapes(self) -> None:
        # DataItem(label, value, subgroup=...) positionally and by keyword, DataGroup(*items), TableResult(list of lists)
        group = vkt.DataGroup(vkt.DataItem("Status", "Active"), vkt.DataItem("iModels", 2, vkt.DataGroup()))
        self.assertEqual(item_json(group.items[1])["subgroup"], {"items": []})
        table = vkt.TableResult([["Hub", "b.1"]], column_headers=["Hub name", "ID"])
        self.assertEqual(table.to_json()["rows"][0][1]["value"], "b.1")
        self.assertEqual(vkt.DataStatus.ERROR, "error")

    def test_keyword_items_follow_positional_ones(self) -> None:
        group = vkt.DataGroup(vkt.DataItem("a"), second=vkt.DataItem("b"), third=vkt.DataItem("c"))
        self.assertEqual([item.label for item in group], ["a", "b", "c"])

    def test_text_options_must_be_strings(self) -> None:
        for option in ("prefix", "suffix", "status_message", "explanation_label"):
            with self.subTest(option), self.assertRaises(vkt.ResultError) as caught:
                vkt.DataItem("x", 1, **{option: 5})
            self.assertEqual(str(caught.exception), f'DataItem "x": {option} must be a string (got int)')

    def test_status_as_the_enum_or_its_value(self) -> None:
        self.assertEqual(item_json(vkt.DataItem("x", status=vkt.DataStatus.WARNING))["status"], "warning")
        self.assertEqual(item_json(vkt.DataItem("x", status="success"))["status"], "success")

    def test_numbers_of_other_types_become_json_numbers(self) -> None:
        class Int64(int):  # what numpy's integers look like to the SDK: an Integral that is not int
            pass

        self.assertEqual(type(vkt.DataItem("x", Int64(3)).value), int)
        self.assertEqual(vkt.DataItem("x", fractions.Fraction(1, 4)).display, "0.25")
        self.assertEqual(type(vkt.TableCell(Int64(1)).value), int)
        with self.assertRaises(vkt.ResultError):
            vkt.DataItem("x", Decimal("1.5"))  # not a float: JSON would need a choice the SDK does not make

    def test_big_integers_show_as_javascript_shows_them(self) -> None:
        self.assertEqual(vkt.DataItem("x", 12345678901234567890).display, "12345678901234567000")
        with self.assertRaises(vkt.ResultError) as caught:
            vkt.DataItem("x", 10**400)
        self.assertEqual(str(caught.exception), 'DataItem "x": value must be a finite number (got Infinity)')

    def test_built_results_cannot_be_changed(self) -> None:
        item = vkt.DataItem("x", 1)
        for target, name in (
            (item, "value"),
            (vkt.DataGroup(), "items"),
            (vkt.TableCell(1), "text_color"),
            (vkt.WebResult(html=""), "html"),
        ):
            with self.subTest(type(target).__name__), self.assertRaises(AttributeError):
                setattr(target, name, float("nan"))

    def test_tuples_are_rows_too(self) -> None:
        table = vkt.TableResult((("a", 1), ("b", 2)), column_headers=("x", "y"))
        self.assertEqual(len(table.rows), 2)

    def test_table_options_are_checked(self) -> None:
        with self.assertRaises(vkt.ResultError) as caught:
            vkt.TableResult([], column_headers="Hub name")  # type: ignore[arg-type]
        self.assertEqual(
            str(caught.exception), "TableResult column_headers must be a list of headers (got str)"
        )
        with self.assertRaises(vkt.ResultError):
            vkt.TableResult([], enable_sorting_and_filtering="yes")  # type: ignore[arg-type]

    def test_colors(self) -> None:
        cell = vkt.TableCell(
            "x", text_color=vkt.Color(176, 0, 32), background_color=vkt.Color.from_hex("#fff")
        )
        self.assertEqual((cell.text_color, cell.background_color), ("#b00020", "#ffffff"))
        with self.assertRaises(ValueError):
            vkt.Color(256, 0, 0)
        with self.assertRaises(ValueError):
            vkt.Color.from_hex("#ffff")

    def test_web_result_takes_html_by_keyword(self) -> None:
        self.assertEqual(vkt.WebResult(html="<p>").to_json(), {"type": "web", "html": "<p>"})
        with self.assertRaises(TypeError):
            vkt.WebResult("<p>")  # type: ignore[misc]


class Fields(unittest.TestCase):
    def test_fields_in_declaration_order_with_inherited_ones_first(self) -> None:
        class Base(vkt.Parametrization):
            intro = vkt.Text("# Base")
            width = vkt.NumberField("Width", default=1)

        class Parametrization(Base):
            length = vkt.NumberField("Length")
            width = vkt.NumberField("Width (m)", default=2)  # overrides in place

        self.assertEqual([f["name"] for f in Parametrization.manifest()], ["intro", "width", "length"])
        self.assertEqual(Parametrization.manifest()[1]["label"], "Width (m)")

    def test_field_names_follow_the_hubs_pattern(self) -> None:
        with self.assertRaises(TypeError) as caught:
            type("P", (vkt.Parametrization,), {"größe": vkt.NumberField("Size")})
        self.assertEqual(
            str(caught.exception),
            'Parametrization: field name "größe" must match /^[A-Za-z_][A-Za-z0-9_]{0,63}$/',
        )

    def test_labels_descriptions_and_defaults_must_have_their_types(self) -> None:
        with self.assertRaises(TypeError):
            vkt.TextField(5)  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            vkt.TextField("Name", default=5)  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            vkt.BooleanField("Details", default=1)  # type: ignore[arg-type]
        with self.assertRaises(TypeError) as caught:
            vkt.OptionField("Kind", ["a", None])  # type: ignore[list-item]
        self.assertEqual(str(caught.exception), "OptionField: options must be strings or numbers (got None)")

    def test_true_is_not_the_option_1(self) -> None:
        with self.assertRaises(TypeError):
            vkt.OptionField("n", [1, 2], default=True)

    def test_vikotrs_layout_hints_are_accepted(self) -> None:
        self.assertEqual(vkt.NumberField("Width", flex=50).to_json()["label"], "Width")
        self.assertIsInstance(vkt.Parametrization(width=30), vkt.Parametrization)


class Views(unittest.TestCase):
    def test_views_in_order_inherited_and_overridden(self) -> None:
        class Base(vkt.Controller):
            @vkt.DataView("One")
            def one(self, params: Any, **kwargs: Any) -> Any:
                ...

            @vkt.DataView("Two")
            def two(self, params: Any, **kwargs: Any) -> Any:
                ...

        class Controller(Base):
            def two(self, params: Any, **kwargs: Any) -> Any:
                ...  # no decorator: no longer a view

            @vkt.WebView("Three", duration_guess=3)
            def three(self, params: Any, **kwargs: Any) -> Any:
                ...

        self.assertEqual([v["name"] for v in Controller.manifest()["views"]], ["one", "three"])

    def test_the_parametrization_may_be_a_class_an_instance_or_absent(self) -> None:
        class P(vkt.Parametrization):
            a = vkt.TextField("A")

        for value in (P, P(width=40)):
            controller = type("C", (vkt.Controller,), {"parametrization": value})
            self.assertEqual(controller.manifest()["parametrization"][0]["name"], "a")
        self.assertEqual(type("C", (vkt.Controller,), {}).manifest()["parametrization"], [])
        with self.assertRaises(TypeError):
            type("C", (vkt.Controller,), {"parametrization": {"a": 1}})

    def test_params_as_attributes_and_keys(self) -> None:
        params = vkt.Params({"name": "Ada", "count": None})
        self.assertEqual((params.name, params["name"], params.count), ("Ada", "Ada", None))
        self.assertFalse(hasattr(params, "missing"))
        with self.assertRaises(AttributeError):
            params.missing

    def test_decorating_something_that_is_not_a_method(self) -> None:
        with self.assertRaises(TypeError):
            vkt.DataView("Data")(5)  # type: ignore[type-var]


class ViktorNames(unittest.TestCase):
    def test_older_names_and_progress_messages(self) -> None:
        self.assertIs(vkt.ViktorController, vkt.Controller)
        self.assertIs(vkt.ViktorParametrization, vkt.Parametrization)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            vkt.progress_message("Fetching iModels", percentage=40)
            vkt.progress_message("Done")
        self.assertEqual(out.getvalue(), "progress: Fetching iModels (40%)\nprogress: Done\n")


class Errors(unittest.TestCase):
    def test_error_classes_are_exceptions_with_codes(self) -> None:
        error = vkt.LoginRequiredError("/login", "bentley-itwin")
        self.assertIsInstance(error, Exception)
        self.assertEqual((error.code, error.login_url, error.status), ("login_required", "/login", 401))
        self.assertEqual(vkt.UserError("Pick a width").code, "user_error")
        self.assertIsInstance(vkt.ResultError("x"), ValueError)


if __name__ == "__main__":
    unittest.main()
