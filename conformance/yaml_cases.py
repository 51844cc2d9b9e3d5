#!/usr/bin/env python3
"""Generates the YAML layouts of the differential suite (conformance/15-yaml-differential.sh).

Every case is a piece of YAML whose top-level keys are `@K` (replaced by the case's own key,
`x-c<N>`) or start with it; `@A` is replaced by an anchor name unique to the case. The runner
wraps it into a Compose file (after `services:`) and into a Kubernetes object (after
`apiVersion`, `kind`, `metadata`), so the same layout is read by Docker Compose (go-yaml v3) and
by kubectl (go-yaml v2 through sigs.k8s.io/yaml).

Families: scalars (resolution, in every context and quoting), tags, flow collections over
several lines (every opening / item / closing position, trailing commas, comments inside),
block scalars (indicators, chomping, indentation, blank and tab lines), multi-line plain and
quoted scalars (continuation indentation, blank lines, escapes), anchors / aliases / merge keys,
document markers and directives, empty values, keys with special characters, duplicate keys,
tabs, byte order marks and CRLF line ends. Ids are stable (they name the layout), so a known
difference can be listed by id.
"""

import itertools
from dataclasses import dataclass


@dataclass
class Case:
    id: str
    # The documents of the case (usually one). Each is YAML text at column 0 ending in "\n".
    docs: list
    bom: bool = False
    crlf: bool = False
    # Separator written before each document after the first ("---", "--- # c", "...\n---").
    sep: str = "---"
    # Written before the first document: directives ("%YAML 1.1\n") and/or "---".
    prefix: str = ""
    # Written after the last document ("...\n").
    suffix: str = ""
    # False: the text after the case would change its meaning (no final newline, markers).
    batchable: bool = True
    # Compose only / kubectl only.
    only: str = ""


def ind(n):
    return " " * n


# ---- scalars -------------------------------------------------------------------------------

PLAIN = [
    "a", "hello world", "yes", "Yes", "YES", "No", "no", "ON", "on", "Off", "off", "y", "Y",
    "n", "N", "true", "True", "TRUE", "tRue", "false", "FALSE", "null", "Null", "NULL", "nULL",
    "~", "0", "-0", "+0", "+1", "-1", "012", "017", "08", "09.5", "0o17", "0O17", "0o-1",
    "0o", "0x1F", "0X1f", "-0x1F", "+0x1F", "0x", "0xG", "0b1010", "0B11", "-0b11", "0b-1", "0b",
    "0b2", "1_000", "1__0", "_1", "1_", "0x_1F", "1_000.5", "1.5", "1.", ".5", "-.5", "+.5",
    ".5_0", "._5", "1e3", "1E3", "1e+3", "1e-3", "1.5e-3", "1.e3", "1e", ".e3", "e3", "1e400",
    "-1e400", "1e-400", ".inf", ".Inf", ".INF", "-.inf", "+.inf", "+.Inf", ".nan", ".NaN",
    ".NAN", "+.nan", "nan", "inf", "Infinity", "1:30", "2222:22", "190:20:30", "1_2:3",
    "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14T21:59:43Z",
    "2001-12-14 21:59:43.10", "2001-12-14 21:59:43.10 -5", "2002-1-2", "2001-02-30",
    "2000-02-29", "1900-02-29", "2001-12-14T25:00:00Z", "20011214", "12345678901234567890",
    "18446744073709551615", "18446744073709551616", "9223372036854775807", "9223372036854775808",
    "-9223372036854775808", "-9223372036854775809", "0.1", "100000000000000000000", "1e21",
    "1e20", "0.0000001", "1234567.0", "123456789012345678", "1.0", "-0.0", "3.14159265358979323846",
    "=", "a:b", "a: b", "a :b", "a#b", "a #b", "-a", "--a", "-", "?a", ":a", "a?", "a-", "a,b",
    "a[b]", "a{b}", "a]b", "a}b", "http://x.y/z?q=1#f", "é", "日本語", "a\tb", "a  b",
    "@a", "`a", "%a", "|a", ">a", "'a", "\"a", "a'b", "a\"b", "!a", "&a", "*a", "a!", "a&", "a*",
    "<<", "< <", "<", "0.", "00", "-00", "0_0", "1_0_0", "+", "++1", "+-1", "1-2", "1.2.3",
    "0x1p3", "0x1.8p1", "1e1_0", "Inf", ".Nan",
]

QUOTED = ["", "a", "yes", "1", "1.5", "true", "~", "null", "2001-12-14", "a'b", 'a"b', "a\\b",
          "a: b", "a #b", " a ", "<<", "é"]

DOUBLE_ESCAPES = [
    "\\n", "\\t", "\\\\", "\\\"", "\\/", "\\0", "\\a", "\\b", "\\e", "\\f", "\\r", "\\v",
    "\\ ", "\\N", "\\_", "\\L", "\\P", "\\x41", "\\x7f", "\\xe9", "\\u263A", "\\U0001F600",
    "\\ud83d", "\\uDFFF", "\\U00110000", "\\q", "\\x4", "\\u12", "\\'", "\\\t",
]


def scalar_cases():
    cases = []
    contexts = [
        ("block", lambda s: f"@K: {s}\n"),
        ("flow-seq", lambda s: f"@K: [{s}]\n"),
        ("flow-seq-2", lambda s: f"@K: [{s}, {s}]\n"),
        ("flow-map", lambda s: f"@K: {{k: {s}}}\n"),
        ("block-seq", lambda s: f"@K:\n- {s}\n"),
        ("key", lambda s: f"@K:\n  {s}: v\n"),
        ("flow-key", lambda s: f"@K: {{{s}: v}}\n"),
    ]
    for i, s in enumerate(PLAIN):
        for name, f in contexts:
            cases.append(Case(f"scalar/plain/{name}/{i}:{s}", [f(s)]))
    for i, s in enumerate(QUOTED):
        sq = "'" + s.replace("'", "''") + "'"
        dq = '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for qname, q in (("single", sq), ("double", dq)):
            for name, f in contexts:
                cases.append(Case(f"scalar/{qname}/{name}/{i}:{s}", [f(q)]))
    for i, e in enumerate(DOUBLE_ESCAPES):
        for name, f in contexts[:3]:
            cases.append(Case(f"scalar/escape/{name}/{i}:{e}", [f(f'"x{e}y"')]))
    return cases


TAGS = ["!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!binary", "!!seq",
        "!!map", "!!merge", "!custom", "!reset", "!override", "!", "!<tag:yaml.org,2002:int>",
        "!<!x>", "!!omap", "!e!x", "!!", "tag:"]
TAG_VALUES = ["12", "1.5", "yes", "true", "", "~", "2001-12-14", "abc", '"12"', "'true'",
              "aGk=", "aG k=", "[1, 2]", "{a: 1}", "<<"]


def tag_cases():
    cases = []
    for ti, t in enumerate(TAGS):
        for vi, v in enumerate(TAG_VALUES):
            cases.append(Case(f"tag/block/{ti}:{t}/{vi}:{v}", [f"@K: {t} {v}\n"]))
            cases.append(Case(f"tag/flow/{ti}:{t}/{vi}:{v}", [f"@K: [{t} {v}, x]\n"]))
        cases.append(Case(f"tag/block-map/{ti}:{t}", [f"@K: {t}\n  a: 1\n"]))
        cases.append(Case(f"tag/block-seq/{ti}:{t}", [f"@K: {t}\n  - 1\n"]))
        cases.append(Case(f"tag/empty-then-key/{ti}:{t}", [f"@K: {t}\n@K-b: 1\n"]))
        cases.append(Case(f"tag/key/{ti}:{t}", [f"@K:\n  {t} k: v\n"]))
        cases.append(Case(f"tag/with-anchor/{ti}:{t}", [f"@K: {t} &@A 12\n@K-b: *@A\n"]))
        cases.append(Case(f"tag/anchor-first/{ti}:{t}", [f"@K: &@A {t} 12\n@K-b: *@A\n"]))
    cases.append(Case("tag/directive/named", ["@K: !e!x 1\n"], prefix="%TAG !e! tag:example.com,2000:\n---\n",
                      batchable=False))
    cases.append(Case("tag/directive/secondary", ["@K: !!int 1\n"], prefix="%TAG !! tag:example.com,2000:\n---\n",
                      batchable=False))
    return cases


# ---- flow collections over several lines ----------------------------------------------------

def flow_cases():
    cases = []
    items_pool = [["a", "b"], ['"a"', '"b"'], ["1", "{x: 2}"], ["[1, 2]", "c"]]
    pairs_pool = [[("a", "1"), ("b", "2")], [('"a"', '"x"'), ("b", "[1]")], [("a", "{c: 1}"), ("b", "")]]
    nests = {
        # (text before the collection, the key's column)
        "top": ("@K:", 0),
        "nested": ("@K:\n  sub:", 2),
        "deep": ("@K:\n  a:\n    sub:", 4),
        "seq-item": ("@K:\n  -", 2),
        "seq-item-key": ("@K:\n  - k:", 4),
    }
    for kind in ("seq", "map"):
        o, c = ("[", "]") if kind == "seq" else ("{", "}")
        pools = items_pool if kind == "seq" else pairs_pool
        for (nest, (head, kc)), open_at, one_per_line, item_col, comma, close_at, comment in itertools.product(
            nests.items(),
            ("same-line", "next-line"),
            (True, False),
            ("col0", "key", "key+1", "key+2", "key+4"),
            (False, True),
            ("after-item", "col0", "key-1", "key", "key+2"),
            ("none", "after-open", "after-comma", "own-line", "before-close"),
        ):
            if close_at == "key-1" and kc == 0:
                continue
            if not one_per_line and item_col != "key+2":
                continue
            # Keep the product in hand: comments vary only with one particular layout.
            if comment != "none" and not (open_at == "same-line" and comma and item_col == "key+2"):
                continue
            pool_i = (len(cases)) % len(pools)
            pool = pools[pool_i]
            col = {"col0": 0, "key": kc, "key+1": kc + 1, "key+2": kc + 2, "key+4": kc + 4}[item_col]
            cclose = {"col0": 0, "key-1": max(kc - 1, 0), "key": kc, "key+2": kc + 2}.get(close_at)
            if kind == "seq":
                rendered = list(pool)
            else:
                rendered = [f"{k}: {v}" if v else f"{k}:" for k, v in pool]
            lines = []
            first = head
            if open_at == "same-line":
                first += f" {o}"
            else:
                lines.append(first)
                first = ind(kc + 2) + o
            if comment == "after-open":
                first += " # open"
            if one_per_line:
                lines.append(first)
                for j, it in enumerate(rendered):
                    last = j == len(rendered) - 1
                    t = ind(col) + it + ("," if (not last or comma) else "")
                    if comment == "after-comma" and not last:
                        t += " # item"
                    lines.append(t)
                    if comment == "own-line" and j == 0:
                        lines.append(ind(col) + "# between")
            else:
                body = ", ".join(rendered) + ("," if comma else "")
                lines.append(first + " " + body)
            if comment == "before-close":
                lines.append(ind(col) + "# before close")
            if close_at == "after-item":
                lines[-1] = lines[-1] + " " + c
            else:
                lines.append(ind(cclose) + c)
            text = "\n".join(lines) + "\n"
            cid = (f"flow/{kind}/{nest}/open={open_at}/{'one-per-line' if one_per_line else 'one-line'}"
                   f"/items={item_col}/trailing-comma={'yes' if comma else 'no'}/close={close_at}/comment={comment}")
            cases.append(Case(cid, [text]))
            # The same with a sibling key after it (block context must resume).
            if comment == "none" and pool_i == 0:
                sib = ind(kc) + "after: 1\n" if nest not in ("top", "seq-item", "seq-item-key") else "@K-after: 1\n"
                cases.append(Case(cid + "/sibling", [text + sib]))
    # Assorted flow oddities.
    odd = {
        "seq-empty-entry": "@K: [a, , b]\n",
        "seq-leading-comma": "@K: [, a]\n",
        "seq-double-trailing": "@K: [a,,]\n",
        "map-trailing-comma": "@K: {a: 1,}\n",
        "map-empty": "@K: {}\n",
        "seq-empty": "@K: []\n",
        "seq-empty-lines": "@K: [\n\n]\n",
        "map-key-only": "@K: {a, b: 1}\n",
        "map-empty-key": "@K: {: 1}\n",
        "map-adjacent-json": '@K: {"a":1, "b":[2]}\n',
        "map-adjacent-plain": "@K: {a:1}\n",
        "map-adjacent-plain-space": "@K: {a :1}\n",
        "seq-single-pair": "@K: [a: 1, b]\n",
        "seq-single-pair-json": '@K: ["a":1]\n',
        "seq-explicit-key": "@K: [? a : 1]\n",
        "seq-question-inside": "@K: [a?b]\n",
        "seq-question-plain": "@K: [?a]\n",
        "map-question-plain": "@K: {?a: 1}\n",
        "seq-colon-inside": "@K: [a:b, c]\n",
        "seq-colon-start": "@K: [:a]\n",
        "seq-colon-comma": "@K: [a:, b]\n",
        "seq-dash": "@K: [-a, - b]\n",
        "seq-dash-only": "@K: [-]\n",
        "seq-nested-over-lines": "@K: [[1,\n2], [3,\n  4]]\n",
        "map-multiline-key": "@K: {a\n  b: 1}\n",
        "map-value-next-line": "@K: {a:\n  1}\n",
        "map-colon-next-line": "@K: {a\n  : 1}\n",
        "seq-block-seq-inside": "@K: [\n- a\n]\n",
        "seq-block-map-inside": "@K: [\n  a: 1\n]\n",
        "seq-anchor-alias": "@K: [&@A 1, *@A]\n",
        "seq-alias-key": "@K: {&@A a: 1, *@A : 2}\n",
        "seq-unclosed": "@K: [a, b\n",
        "map-unclosed": "@K: {a: 1\n@K-b: 2\n",
        "seq-extra-close": "@K: [a]]\n",
        "map-close-wrong": "@K: {a: 1]\n",
        "seq-comment-no-space": "@K: [a,#c\n  b]\n",
        "seq-comment-after-item-no-comma": "@K: [a #c\n  , b]\n",
        "seq-tab-sep": "@K: [a,\tb]\n",
        "seq-tab-indent": "@K: [\n\ta,\n\tb]\n",
        "map-tab-before-colon": "@K: {a\t: 1}\n",
        "seq-doc-marker-inside": "@K: [a,\n---\n]\n",
        "seq-doc-end-inside": "@K: [a,\n...\n]\n",
        "seq-then-text": "@K: [a] b\n",
        "seq-then-comment": "@K: [a] # c\n",
        "map-then-colon": "@K: {a: 1}: 2\n",
        "flow-as-key": "@K:\n  [a, b]: 1\n",
        "flow-map-as-key": "@K:\n  {a: 1}: 2\n",
        "flow-key-multiline": "@K:\n  [a,\n  b]: 1\n",
        "seq-quoted-multiline": "@K: [\"a\n  b\", 'c\nd']\n",
        "seq-plain-multiline": "@K: [a\n  b, c\nd]\n",
        "seq-plain-multiline-col0": "@K: [a\nb]\n",
        "deep-flow": "@K: " + "[" * 50 + "1" + "]" * 50 + "\n",
    }
    for name, text in odd.items():
        cases.append(Case(f"flow/odd/{name}", [text]))
    return cases


# ---- block scalars --------------------------------------------------------------------------

def block_scalar_cases():
    cases = []
    headers = ["|", ">", "|-", "|+", ">-", ">+", "|1", "|2", "|4", ">2", "|2-", "|-2", ">+1",
               "|0", "|10", "|+-", "| # comment", ">- # c", "|x", "|  ", "|\t"]
    contents = {
        "two-lines": ["a", "b"],
        "blank-inside": ["a", "", "b"],
        "two-blanks-inside": ["a", "", "", "b"],
        "more-indented": ["a", "  b", "c"],
        "more-indented-first": ["  a", "b"],
        "leading-blank": ["", "a"],
        "leading-blank-more": ["", "   ", "a"],
        "spaces-only-line": ["a", "   ", "b"],
        "tab-content": ["a\tb", "\tc"],
        "trailing-spaces": ["a  ", "b"],
        "hash": ["# not a comment", "b"],
        "doc-markers": ["---", "..."],
        "empty": [],
        "one": ["x"],
        "folded-mix": ["a", "b", "", "  c", "d"],
    }
    contexts = {"top": (0, "@K: {h}"), "nested": (2, "@K:\n  sub: {h}"), "seq": (2, "@K:\n  - {h}"),
                "seq-top": (0, "@K:\n- {h}")}
    for (hname, h), (cname, lines), (ctx, (kc, tmpl)), (ci, cextra), trail in itertools.product(
        enumerate(headers), contents.items(), contexts.items(), enumerate((1, 2, 4)), (0, 1, 2)
    ):
        # Keep the product in hand: every header with every content once; indentation and
        # trailing blank lines vary on a few contents.
        if ctx != "top" and (ci != 1 or trail != 1):
            continue
        if cname not in ("two-lines", "blank-inside", "more-indented-first") and (ci != 1 or trail != 1):
            continue
        if cname != "two-lines" and ci == 2:
            continue
        if hname > 11 and (cname not in ("two-lines", "more-indented") or trail != 1):
            continue
        base = kc + cextra
        out = [tmpl.format(h=h)]
        for ln in lines:
            out.append((ind(base) + ln) if ln.strip() or ln == "   " else ln)
        text = "\n".join(out) + "\n" + "\n" * trail
        cid = f"block-scalar/{ctx}/{hname}:{h.strip()}/{cname}/indent=+{cextra}/trailing-blank-lines={trail}"
        cases.append(Case(cid, [text]))
        if trail == 1 and cname == "two-lines" and ctx == "top":
            cases.append(Case(cid + "/sibling", [text + "@K-after: 1\n"]))
            cases.append(Case(cid + "/less-indented-line", [text.rstrip("\n") + "\n" + ind(max(base - 1, 0)) + "z\n"]))
    # Explicit indentation smaller than the content, content less indented than the first line.
    extra = {
        "indicator-smaller-than-content": "@K: |1\n   a\n  b\n",
        "indicator-larger-than-content": "@K: |4\n  a\n",
        "first-line-less-than-leading-blank": "@K: |\n     \n  a\n",
        "tab-indent": "@K: |\n\ta\n",
        "tab-after-indent": "@K: |\n  \ta\n",
        "keep-at-eof-no-newline": "@K: |+\n  a\n\n",
        "crlf-folded": "@K: >\n  a\n  b\n\n  c\n",
        "literal-then-flow": "@K: |\n  [a\n@K-b: [1,\n  2]\n",
        "folded-key": "@K:\n  ? |\n    k\n  : v\n",
        "literal-in-flow": "@K: [ |\n  a ]\n",
        "header-then-content-same-line": "@K: | a\n",
    }
    for name, text in extra.items():
        cases.append(Case(f"block-scalar/odd/{name}", [text]))
    return cases


# ---- multi-line plain and quoted scalars ----------------------------------------------------

def multiline_cases():
    cases = []
    contexts = {"top": (0, "@K: {v}", ""), "nested": (2, "@K:\n  sub: {v}", ""),
                "seq": (2, "@K:\n  - {v}", ""), "seq-top": (0, "@K:\n- {v}", ""),
                "flow": (0, "@K: [{v}", "]"), "nested-flow": (2, "@K:\n  sub: [{v}", "]")}
    firsts = {"plain": ("alpha beta", "gamma"), "single": ("'alpha beta", "gam''ma'"),
              "double": ('"alpha beta ', 'gamma"'), "double-escaped-break": ('"alpha\\', ' gamma"')}
    for (ctx, (kc, tmpl, close)), style, cont_col, blanks, tail in itertools.product(
        contexts.items(),
        tuple(firsts),
        ("col0", "col1", "key", "key+1", "key+2", "key+5"),
        (0, 1, 2),
        ("none", "sibling"),
    ):
        if tail == "sibling" and blanks != 0:
            continue
        col = {"col0": 0, "col1": 1, "key": kc, "key+1": kc + 1, "key+2": kc + 2, "key+5": kc + 5}[cont_col]
        first, last = firsts[style]
        lines = tmpl.format(v=first).split("\n") + [""] * blanks + [ind(col) + last + close]
        text = "\n".join(lines) + "\n"
        if tail == "sibling":
            text += (ind(kc) + "after: 1\n") if ctx == "nested" else "@K-after: 1\n"
        cid = f"multiline/{style}/{ctx}/continuation={cont_col}/blank-lines={blanks}/{tail}"
        cases.append(Case(cid, [text]))
    odd = {
        "plain-comment-between": "@K: a\n# c\n  b\n",
        "plain-comment-after": "@K: a # c\n  b\n",
        "plain-colon-continuation": "@K: a\n  b: c\n",
        "plain-dash-continuation": "@K: a\n  - b\n",
        "plain-tab-continuation": "@K: a\n\tb\n",
        "plain-tab-after-indent": "@K: a\n  \tb\n",
        "plain-key-multiline": "@K:\n  a\n  b: 1\n",
        "plain-trailing-spaces": "@K: a   \n  b  \n",
        "double-trailing-spaces": '@K: "a   \n  b  "\n',
        "double-escaped-space-eol": '@K: "a\\ \n  b"\n',
        "double-tab-continuation": '@K: "a\n\tb"\n',
        "single-doc-marker": "@K: 'a\n--- b'\n",
        "double-doc-end": '@K: "a\n... b"\n',
        "plain-doc-marker": "@K: a\n--- b\n",
        "quoted-key-multiline": '@K:\n  "a\n  b": 1\n',
        "quoted-then-text": '@K: "a" b\n',
        "quoted-unclosed": '@K: "a\n',
        "quoted-key-space-colon": '@K:\n  "a" : 1\n',
        "single-quote-escape": "@K: 'it''s'\n",
        "nbsp-plain": "@K: a\u00a0b\n",
        "nel-break": "@K: a\u0085  b\n",
        "ls-break": "@K: a\u2028  b\n",
        "cr-only-break": "@K: a\r  b\n",
    }
    for name, text in odd.items():
        cases.append(Case(f"multiline/odd/{name}", [text]))
    return cases


# ---- anchors, aliases, merge keys -----------------------------------------------------------

def anchor_cases():
    texts = {
        "scalar": "@K: &@A 1\n@K-b: *@A\n",
        "map": "@K: &@A {a: 1}\n@K-b: *@A\n",
        "seq": "@K: &@A [1, 2]\n@K-b: *@A\n",
        "block-map": "@K: &@A\n  a: 1\n@K-b: *@A\n",
        "anchor-own-line": "@K:\n  &@A\n  a: 1\n@K-b: *@A\n",
        "anchor-before-seq": "@K: &@A\n  - 1\n@K-b: *@A\n",
        "anchor-empty": "@K: &@A\n@K-b: *@A\n",
        "alias-unknown": "@K: *@Azz\n",
        "alias-before-anchor": "@K: *@A\n@K-b: &@A 1\n",
        "recursive": "@K: &@A [*@A]\n",
        "redefined": "@K: &@A 1\n@K-b: &@A 2\n@K-c: *@A\n",
        "redefined-inside": "@K: &@A [&@A 1]\n@K-b: *@A\n",
        "alias-as-key": "@K: &@A k\n@K-b: {*@A : v}\n",
        "alias-key-no-space": "@K: &@A k\n@K-b: {*@A: v}\n",
        "anchor-chars": "@K: &@A-x.y 1\n@K-b: *@A-x.y\n",
        "anchor-colon": "@K: [&@A: 1]\n",
        "merge-map": "@K: &@A {a: 1, b: 2}\n@K-b:\n  <<: *@A\n  b: 3\n",
        "merge-local-before": "@K: &@A {a: 1, b: 2}\n@K-b:\n  b: 3\n  <<: *@A\n",
        "merge-seq": "@K: &@A {a: 1}\n@K-x: &@Ab {a: 2, b: 2}\n@K-b:\n  <<: [*@A, *@Ab]\n",
        "merge-seq-reverse": "@K: &@A {a: 1}\n@K-x: &@Ab {a: 2, b: 2}\n@K-b:\n  <<: [*@Ab, *@A]\n  c: 3\n",
        "merge-inline": "@K:\n  <<: {a: 1}\n  b: 2\n",
        "merge-inline-seq": "@K:\n  <<: [{a: 1}, {a: 2, b: 3}]\n",
        "merge-nested": "@K: &@A {a: 1}\n@K-x: &@Ab {<<: *@A, b: 2}\n@K-b: {<<: *@Ab, c: 3}\n",
        "merge-twice": "@K: &@A {a: 1}\n@K-x: &@Ab {b: 2}\n@K-b:\n  <<: *@A\n  <<: *@Ab\n",
        "merge-scalar": "@K: &@A 1\n@K-b:\n  <<: *@A\n",
        "merge-null": "@K:\n  <<:\n  a: 1\n",
        "merge-seq-with-scalar": "@K: &@A {a: 1}\n@K-b:\n  <<: [*@A, 2]\n",
        "merge-quoted": "@K: &@A {a: 1}\n@K-b:\n  '<<': *@A\n",
        "merge-tagged": "@K: &@A {a: 1}\n@K-b:\n  !!merge <<: *@A\n",
        "merge-bang": "@K: &@A {a: 1}\n@K-b:\n  ! <<: *@A\n",
        "merge-str-tag": "@K: &@A {a: 1}\n@K-b:\n  !!str <<: *@A\n",
        "merge-into-seq": "@K: &@A {a: 1}\n@K-b:\n  - <<: *@A\n    b: 2\n",
        "merge-flow": "@K: &@A {a: 1}\n@K-b: {<<: *@A, a: 2}\n",
        "merge-dup-after-merge": "@K: &@A {a: 1}\n@K-b:\n  <<: *@A\n  a: 2\n  a: 3\n",
        "alias-in-merge-with-reset": "@K: &@A {a: 1, b: 2}\n@K-b:\n  <<: *@A\n  a: !reset\n",
        "alias-copy-deep": "@K: &@A {a: {b: {c: [1, 2, {d: e}]}}}\n@K-b: [*@A, *@A]\n",
        "anchor-on-key-and-value": "@K:\n  &@A a: &@Ab b\n  c: *@A\n  d: *@Ab\n",
        "alias-with-tag": "@K: &@A 1\n@K-b: !!str *@A\n",
        "alias-with-anchor": "@K: &@A 1\n@K-b: &@Ab *@A\n",
        "anchor-unicode": "@K: &@Aé 1\n",
    }
    return [Case(f"anchor/{k}", [v]) for k, v in texts.items()]


# ---- documents and directives ---------------------------------------------------------------

def document_cases():
    cases = []
    body = "@K: 1\n"
    for name, prefix, suffix in [
        ("start", "---\n", ""),
        ("start-comment", "--- # c\n", ""),
        ("start-spaces", "---   \n", ""),
        ("start-tab", "---\t\n", ""),
        ("end", "", "...\n"),
        ("start-end", "---\n", "...\n"),
        ("end-twice", "", "...\n...\n"),
        ("end-then-comment", "", "... # c\n"),
        ("end-then-text", "", "... x\n"),
        ("end-then-junk-line", "", "...\n@@@\n"),
        ("end-then-start", "", "...\n---\n"),
        ("yaml-1.1", "%YAML 1.1\n---\n", ""),
        ("yaml-1.2", "%YAML 1.2\n---\n", ""),
        ("yaml-2.0", "%YAML 2.0\n---\n", ""),
        ("yaml-twice", "%YAML 1.1\n%YAML 1.1\n---\n", ""),
        ("unknown-directive", "%FOO bar\n---\n", ""),
        ("directive-no-start", "%YAML 1.1\n", ""),
        ("comment-before-start", "# c\n---\n", ""),
        ("blank-before-start", "\n\n---\n", ""),
        ("start-inline-value", "--- \n", ""),
    ]:
        cases.append(Case(f"document/{name}", [body], prefix=prefix, suffix=suffix, batchable=False))
    for sep in ("---", "--- # c", "---  ", "...\n---"):
        cases.append(Case(f"document/two/{sep!r}", ["@K: 1\n", "@K-b: 2\n"], sep=sep, batchable=False))
    cases.append(Case("document/two/end-only", ["@K: 1\n", "@K-b: 2\n"], sep="...", batchable=False))
    cases.append(Case("document/two/start-inline", ["@K: 1\n", "@K-b: 2\n"], sep="--- !!map", batchable=False))
    cases.append(Case("document/two/start-text", ["@K: 1\n", "@K-b: 2\n"], sep="--- x", batchable=False))
    cases.append(Case("document/two/dashes-4", ["@K: 1\n", "@K-b: 2\n"], sep="----", batchable=False))
    cases.append(Case("document/two/anchor-across", ["@K: &@A 1\n", "@K-b: *@A\n"], batchable=False))
    cases.append(Case("document/two/same-key", ["@K: 1\n", "@K: 2\n"], batchable=False))
    cases.append(Case("document/two/empty-between", ["@K: 1\n", "", "@K-b: 2\n"], batchable=False))
    cases.append(Case("document/trailing-start", [body], suffix="---\n", batchable=False))
    cases.append(Case("document/trailing-start-comment", [body], suffix="--- # end\n", batchable=False))
    cases.append(Case("document/no-final-newline", ["@K: 1"], batchable=False))
    cases.append(Case("document/no-final-newline-block", ["@K: |\n  a"], batchable=False))
    cases.append(Case("document/no-final-newline-quoted", ["@K: 'a\n  b'"], batchable=False))
    cases.append(Case("document/dashes-in-plain", ["@K: a\n---b: 1\n"]))
    cases.append(Case("document/dashes-key", ["@K:\n  ---: 1\n"]))
    cases.append(Case("document/dots-key", ["@K:\n  ...: 1\n"]))
    return cases


# ---- keys, empty values, duplicates, tabs ---------------------------------------------------

KEYS = ["a b", "a:b", "a: b", "a#b", "a #b", "-a", "?a", ":a", "a?", "a.b", "a/b", "a\\b", "a=b",
        "é", "日本", "1", "1.0", "01", "0x1", "true", "yes", "on", "null", "~", "", "<<", "a\tb",
        "'a'", '"a"', "'a b'", '"a: b"', "'a#b'", '"\\t"', "@a", "`a", "%a", "!a", "&a", "*a",
        "|a", ">a", "[a]", "{a}", "a,b", "- a", "? a", "a ", " a", "2001-12-14", "1e3", ".inf",
        "12345678901234567890", "-1", "+1", "0o17", "y", "n", "Off"]


def key_cases():
    cases = []
    for i, k in enumerate(KEYS):
        cases.append(Case(f"key/block/{i}:{k}", [f"@K:\n  {k}: v\n"]))
        cases.append(Case(f"key/flow/{i}:{k}", [f"@K: {{{k}: v}}\n"]))
        cases.append(Case(f"key/explicit/{i}:{k}", [f"@K:\n  ? {k}\n  : v\n"]))
    empties = {
        "block": "@K:\n",
        "block-then-key": "@K:\n@K-b: 1\n",
        "tilde": "@K: ~\n",
        "quoted": '@K: ""\n',
        "seq-empty-item": "@K:\n- \n- a\n",
        "seq-dash-eol": "@K:\n-\n-\n",
        "map-empty-values": "@K:\n  a:\n  b:\n",
        "flow-empty-value": "@K: {a: , b: 1}\n",
        "explicit-key-no-value": "@K:\n  ? a\n  b: 1\n",
        "explicit-empty-key": "@K:\n  ?\n  : v\n",
        "value-only": "@K:\n  : v\n",
        "indentless-seq": "@K:\n- a\n- b\n",
        "indentless-seq-nested": "@K:\n  x:\n  - a\n  y: 1\n",
        "seq-of-empty-maps": "@K:\n- {}\n- []\n",
        "comment-only-value": "@K: # c\n",
        "comment-only-value-then-nested": "@K: # c\n  a: 1\n",
    }
    for k, v in empties.items():
        cases.append(Case(f"empty/{k}", [v]))
    dups = {
        "direct": "@K:\n  a: 1\n  a: 2\n",
        "quoted": "@K:\n  a: 1\n  'a': 2\n",
        "double-quoted": '@K:\n  "a": 1\n  a: 2\n',
        "flow": "@K: {a: 1, a: 2}\n",
        "int-and-string": "@K:\n  1: a\n  '1': b\n",
        "ints": "@K:\n  1: a\n  01: b\n",
        "null-keys": "@K:\n  ~: a\n  null: b\n",
        "bools": "@K:\n  true: a\n  True: b\n",
        "merged-then-local": "@K: &@A {a: 1}\n@K-b:\n  <<: *@A\n  a: 2\n",
        "nested": "@K:\n  x:\n    a: 1\n    a: 1\n",
        "different-case": "@K:\n  a: 1\n  A: 2\n",
        "top-level": "@K: 1\n@K: 2\n",
        "in-seq-item": "@K:\n- a: 1\n  a: 2\n",
        "explicit": "@K:\n  ? a\n  : 1\n  a: 2\n",
        "tagged": "@K:\n  a: 1\n  !!str a: 2\n",
        "three": "@K:\n  a: 1\n  a: 2\n  a: 3\n",
    }
    for k, v in dups.items():
        # kubectl's result for `1` and `'1'` is random: go-yaml v2 gives two distinct keys (an
        # int and a string), sigs.k8s.io/yaml turns both into "1" while iterating a Go map.
        only = "compose" if k == "int-and-string" else ""
        cases.append(Case(f"duplicate/{k}", [v], only=only))
    tabs = {
        "after-colon": "@K:\ta\n",
        "after-colon-then-space": "@K:\t a\n",
        "before-colon": "@K\t: a\n",
        "indent": "@K:\n\ta: 1\n",
        "indent-after-space": "@K:\n \ta: 1\n",
        "after-dash": "@K:\n-\ta\n",
        "after-dash-map": "@K:\n-\ta: 1\n",
        "in-plain": "@K: a\tb\n",
        "trailing": "@K: a\t\n",
        "before-comment": "@K: a\t# c\n",
        "comment-line-indented": "@K: a\n\t# c\n",
        "blank-line-with-tab": "@K:\n  a: 1\n\t\n  b: 2\n",
        "after-question": "@K:\n  ?\ta\n  : 1\n",
        "in-flow-indent": "@K: {\n\ta: 1\n}\n",
        "in-flow-after-comma": "@K: [a,\tb]\n",
        "double-quoted-indent": '@K: "a\n\tb"\n',
        "block-scalar-header": "@K: |\t\n  a\n",
        "anchor-then-tab": "@K: &@A\t1\n",
        "tag-then-tab": "@K: !!str\t1\n",
        "key-value-tab-indent-nested": "@K:\n  a:\n\t- 1\n",
    }
    for k, v in tabs.items():
        cases.append(Case(f"tab/{k}", [v]))
    misc = {
        "seq-in-seq": "@K:\n- - a\n  - b\n- - c\n",
        "map-in-seq-compact": "@K:\n- a: 1\n  b: 2\n",
        "seq-in-map-indented": "@K:\n  a:\n    - 1\n    - 2\n",
        "bad-indent-seq": "@K:\n  - a\n - b\n",
        "bad-indent-map": "@K:\n  a: 1\n b: 2\n",
        "over-indent-map": "@K:\n  a: 1\n    b: 2\n",
        "value-and-nested": "@K: a\n  b: 1\n",
        "seq-after-value": "@K: a\n- b\n",
        "two-values": "@K: a: b\n",
        "key-too-long": "@K:\n  " + "k" * 1100 + ": 1\n",
        "key-1024": "@K:\n  " + "k" * 1020 + ": 1\n",
        "colon-no-space-value": "@K:a\n",
        "comment-no-space": "@K: a#b\n",
        "comment-first-column": "#c\n@K: 1\n",
        "explicit-key-seq": "@K:\n  ? - a\n    - b\n  : 1\n",
        "explicit-key-map": "@K:\n  ? a: 1\n  : 2\n",
        "block-seq-after-key-same-line": "@K: - a\n",
        "long-line": "@K: " + "x" * 5000 + "\n",
        "deep-block": "@K:\n" + "".join(ind(2 * i + 2) + f"k{i}:\n" for i in range(40)) + ind(82) + "v\n",
        "unicode-indent": "@K:\n\u3000a: 1\n",
        "bom-inside": "@K: \ufeffa\n",
        "control-char": "@K: a\x01b\n",
        "del-char": "@K: a\x7fb\n",
        "c1-char": "@K: a\x85b\n",
        "fffe": "@K: a\ufffeb\n",
        "private-use": "@K: a\ue000b\n",
        "astral": "@K: a\U0001F600b\n",
    }
    for k, v in misc.items():
        cases.append(Case(f"misc/{k}", [v]))
    return cases


def all_cases():
    cases = []
    for gen in (scalar_cases, tag_cases, flow_cases, block_scalar_cases, multiline_cases,
                anchor_cases, document_cases, key_cases):
        cases.extend(gen())
    # File-level variants: byte order mark and CRLF line ends over a spread of layouts.
    variants = []
    for i, c in enumerate(cases):
        if c.batchable and c.id.startswith(("flow/", "block-scalar/", "multiline/", "anchor/")) and i % 5 == 0:
            variants.append(Case(c.id + "/crlf", c.docs, crlf=True, batchable=True))
        if c.batchable and i % 23 == 0:
            variants.append(Case(c.id + "/bom", c.docs, bom=True, batchable=True))
    for c in document_cases()[:8]:
        variants.append(Case(c.id + "/bom", c.docs, bom=True, prefix=c.prefix, suffix=c.suffix, batchable=False))
        variants.append(Case(c.id + "/crlf", c.docs, crlf=True, prefix=c.prefix, suffix=c.suffix, batchable=False))
    cases.extend(variants)
    seen = set()
    for c in cases:
        assert c.id not in seen, c.id
        seen.add(c.id)
    return cases


if __name__ == "__main__":
    cs = all_cases()
    fams = {}
    for c in cs:
        fams[c.id.split("/")[0]] = fams.get(c.id.split("/")[0], 0) + 1
    print(len(cs), fams)
