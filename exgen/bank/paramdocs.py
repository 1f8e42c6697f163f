"""Markdown reference of every exercise type's parameters, for docs/bank-format.md (kept in sync by a test)."""

from __future__ import annotations

from exgen.types import all_types
from exgen.types.params import shown

BEGIN = "<!-- BEGIN GENERATED: types (python -m exgen.bank.paramdocs) -->"
END = "<!-- END GENERATED: types -->"


def reference() -> str:
    """Return the generated Markdown section (between the BEGIN and END markers)."""
    lines = [BEGIN, ""]
    for name, typ in all_types().items():
        lines += [f"### `{name}` ({typ.topic})", "", typ.summary[:1].upper() + typ.summary[1:] + ".", "",
                  "| parameter | default | accepted values | meaning |", "| --- | --- | --- | --- |"]
        for pname, param in typ.all_params().items():
            default = shown(param.default).strip("'").replace("|", "\\|")
            lines.append(f"| `{pname}` | `{default}` | {param.describe()} | {param.doc} |")
        if typ.presets:
            lines += ["", "Difficulty presets: " + "; ".join(
                f"`{level}`: " + ", ".join(f"{k}={shown(v)}" for k, v in preset.items())
                for level, preset in typ.presets.items()) + "."]
        if typ.mistakes:
            lines += ["", "Common mistakes it recognises (a draw in which one would score is drawn again):", ""]
            lines += [f"- `{m.tag}`: {m.description}" for m in typ.mistakes]
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


if __name__ == "__main__":
    print(reference())
