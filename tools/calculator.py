"""Built-in `calculator` tool: arithmetic through a whitelisted AST walk, never eval()."""

from __future__ import annotations

import ast
import math
import operator
import re
import warnings
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import Field

from agentkit.errors import ToolError
from agentkit.tool import tool

MAX_BITS = 10_000  # ~3000 digits: far beyond any sane answer, far below a memory bomb
MAX_FACTORIAL = 1000

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}


def _factorial(n: float) -> int:
    if n != int(n) or not 0 <= n <= MAX_FACTORIAL:
        raise ToolError(f"factorial needs a whole number from 0 to {MAX_FACTORIAL}")
    return math.factorial(int(n))


def _log(x: float, base: float = math.e) -> float:
    return math.log(x, base)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sqrt": math.sqrt, "cbrt": math.cbrt, "exp": math.exp, "log": _log, "ln": math.log,
    "log10": math.log10, "log2": math.log2, "sin": math.sin, "cos": math.cos,
    "tan": math.tan, "asin": math.asin, "acos": math.acos, "atan": math.atan,
    "atan2": math.atan2, "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh,
    "degrees": math.degrees, "radians": math.radians, "hypot": math.hypot,
    "abs": abs, "round": round, "floor": math.floor, "ceil": math.ceil,
    "min": min, "max": max, "factorial": _factorial, "gcd": math.gcd, "lcm": math.lcm,
}  # fmt: skip


def _mean(*values: float) -> float:
    if not values:
        raise ToolError("an average needs at least one number")
    return sum(values) / len(values)


# Operations written as functions, as models (and people) often do: add(12, 30).
_NAMED_OPERATIONS: dict[str, Callable[..., Any]] = {
    "add": lambda *xs: sum(xs), "sum": lambda *xs: sum(xs),
    "subtract": operator.sub, "difference": operator.sub,
    "multiply": lambda *xs: math.prod(xs), "mul": lambda *xs: math.prod(xs),
    "product": lambda *xs: math.prod(xs),
    "divide": operator.truediv, "div": operator.truediv, "quotient": operator.truediv,
    "pow": lambda base, exponent: _power(base, exponent),
    "power": lambda base, exponent: _power(base, exponent),
    "mod": operator.mod, "avg": _mean, "mean": _mean, "average": _mean,
}  # fmt: skip
_FUNCTIONS |= _NAMED_OPERATIONS
_CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau}
_BRACKETS = str.maketrans("[]{}", "()()")
_NUMBER = r"(-?\d+(?:\.\d+)?)"
_WORDS = [
    (re.compile(rf"\b(?:the\s+)?square\s+root\s+of\s+{_NUMBER}", re.I), r"sqrt(\1)"),
    (re.compile(rf"\b(?:the\s+)?cube\s+root\s+of\s+{_NUMBER}", re.I), r"cbrt(\1)"),
    (re.compile(rf"{_NUMBER}\s+squared\b", re.I), r"(\1**2)"),
    (re.compile(r"\bto\s+the\s+power\s+of\b", re.I), "**"),
    (re.compile(r"\b(?:divided\s+by|over)\b", re.I), "/"),
    (re.compile(r"\b(?:times|multiplied\s+by)\b", re.I), "*"),
    (re.compile(r"\bplus\b", re.I), "+"),
    (re.compile(r"\bminus\b", re.I), "-"),
    (re.compile(r"\s*\bper\s*cent\b", re.I), "%"),
]


def _power(base: Any, exponent: Any) -> Any:
    # Estimate the size before computing: 9**9**9 must be refused, not attempted.
    ints = isinstance(base, int) and isinstance(exponent, int)
    if ints and abs(base) > 1 and exponent > 0 and exponent * math.log2(abs(base)) > MAX_BITS:
        raise ToolError("exponent too large; the result would have thousands of digits")
    return base**exponent


def _check(value: Any) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_BITS:
        raise ToolError("result too large")
    if isinstance(value, complex):
        raise ToolError("result is not a real number")
    return value


def _eval(node: ast.AST) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return _check(_power(_eval(node.left), _eval(node.right)))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _check(_BINARY[type(node.op)](_eval(node.left), _eval(node.right)))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and not node.keywords
    ):
        return _check(_FUNCTIONS[node.func.id](*(_eval(arg) for arg in node.args)))
    if isinstance(node, ast.Name):
        raise ToolError(f"unknown name {node.id!r}; use numbers, + - * / ^ %, and math functions")
    raise ToolError(f"unsupported syntax {type(node).__name__}; use plain arithmetic")


def _normalize(expression: str) -> str:
    text = expression.strip().rstrip("=?").strip()
    text = text.replace("^", "**").replace("×", "*").replace("÷", "/").replace("−", "-")
    text = text.translate(_BRACKETS)  # {2 * [3 + 4]}: any bracket groups
    text = re.sub(r"\bmath\.", "", text, flags=re.IGNORECASE)  # Math.sqrt(2), math.pi
    for pattern, symbol in _WORDS:  # "100 divided by 8", "square root of 2"
        text = pattern.sub(symbol, text)
    # "15% of 80" and "15 % of 80" -> (15/100)*80
    text = re.sub(r"(\d+(?:\.\d+)?)\s*%\s*of\s+", r"(\1/100)*", text, flags=re.IGNORECASE)
    if "(" not in text:  # 1,234,567 -> 1234567, but keep max(1,200) intact
        text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    return text


def _format(value: Any) -> str:
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ToolError("result is not a finite number")
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".12g")
    return str(value)


def evaluate(expression: str) -> str:
    """Evaluate `expression` safely and return the number as text."""
    try:
        with warnings.catch_warnings():  # "1e" etc. warn before failing; the error says enough
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(_normalize(expression), mode="eval")
    except SyntaxError:
        msg = f"cannot parse {expression!r}; write it like 3 * (4 + 5) or sqrt(16)"
        raise ToolError(msg) from None
    try:
        return _format(_eval(tree))
    except ZeroDivisionError:
        raise ToolError("division by zero") from None
    except (OverflowError, MemoryError):
        raise ToolError("result too large") from None
    except (ValueError, TypeError) as exc:
        raise ToolError(f"math error: {exc}") from None
    except RecursionError:
        raise ToolError("expression too deeply nested") from None


@tool(
    examples={
        "How much is 12 percent of 80?": {"expression": "12% of 80"},
        "What is the cube root of 27?": {"expression": "cbrt(27)"},
    }
)
def calculator(expression: Annotated[str, Field(max_length=200, examples=["1234 * 5678"])]) -> str:
    """Calculate arithmetic: add, subtract, multiply, divide, powers, percentages, roots.

    Args:
        expression: arithmetic with + - * / ^ % and functions like sqrt, log, sin.
    """
    return evaluate(expression)
