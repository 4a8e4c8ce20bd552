#!/usr/bin/env python3
"""Generate the golden tokenizer fixture for Tessera's BERT WordPiece tokenizer.

Makes  Tests/TesseraTokenizersTests/Fixtures/minilm_tokenizer_cases.jsonl  (overwritten), one JSON object per line:

    {"text": str, "pair": str|null, "max_length": int|null,
     "ids": [int], "type_ids": [int], "offsets": [[start, end], ...]}

The reference is the Rust `tokenizers` library (Python bindings) loaded from <model_dir>/tokenizer.json with its
baked-in truncation and padding removed (`no_truncation(); no_padding()`). Every case is encoded with
`encode(text, pair, add_special_tokens=True)`; cases with `max_length` set get
`enable_truncation(max_length, strategy="longest_first")` for that call only. Offsets are exactly what Python
returns: code-point indices, (0, 0) for special tokens, and for tokens of `pair` relative to the pair string.

All texts are generated here (word lists, templates and seeded random draws of code points); nothing is copied
from any data set. The output is deterministic (fixed seed). Lone surrogates never occur. The file is written
with `json.dumps(..., ensure_ascii=False)`, except that U+0085, U+2028 and U+2029 are written as \\u escapes so
that no line splitter (Python `splitlines`, Foundation `.newlines`) can break a record in two; the decoded
strings are unchanged.

Run:
    HF_HUB_OFFLINE=1 ~/.cache/tessera-peers/bin/python Scripts/make_tokenizer_fixture.py [MODEL_DIR] [--out PATH]

MODEL_DIR defaults to ~/.cache/tessera-peers/models/all-MiniLM-L6-v2.
"""

import argparse
import json
import os
import random
import sys
import unicodedata
from collections import Counter
from pathlib import Path

from tokenizers import Tokenizer

SEED = 20240611
DEFAULT_MODEL = os.path.expanduser("~/.cache/tessera-peers/models/all-MiniLM-L6-v2")
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "Tests/TesseraTokenizersTests/Fixtures/minilm_tokenizer_cases.jsonl"

# --------------------------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------------------------

ENGLISH_WORDS = """
the a an of to in and or but not is are was were be been being have has had do does did will would can could
shall should may might must it its this that these those there here what which who whom whose when where why how
retrieval engine index query document token vector embedding score rank search model layer attention encoder
fast slow small large quick brown fox jumps over lazy dog cat river mountain city village paper study result
method approach system network protein cell gene patient trial effect increase decrease level risk analysis data
unaffable unbelievable internationalization tokenization preprocessing hyperparameter electroencephalography
antidisestablishmentarianism photosynthesis mitochondria neuroscience immunotherapy cryptocurrency
don't can't won't it's we're they've I'm she'll he'd y'all o'clock rock'n'roll e-mail re-enter co-operate
New York London Paris Tokyo Berlin Alice Bob Carol Dave Eve Mallory Trent Walter McDonald O'Brien iPhone eBay
GitHub JavaScript PyTorch TensorFlow HTTP URL JSON API CPU GPU RAM NASA UNESCO COVID-19 mRNA DNA RNA BRCA1 p53
""".split()

PUNCT_ASCII = list(".,;:!?'\"()[]{}-_/\\@#%&*$+<=>^`|~")

ACCENTED_WORDS = [
    "café", "naïve", "résumé", "façade", "jalapeño", "über", "Straße", "Äpfel", "Öl", "Übermut", "coöperate",
    "São Paulo", "Kraków", "Łódź", "Škoda", "Dvořák", "Ångström", "Ærø", "Øresund", "Þórr", "Íslenska",
    "crème brûlée", "déjà vu", "piñata", "señor", "Zürich", "Ģirts", "Ţară", "Ştefan", "İstanbul", "ılık",
    "DİYARBAKIR", "ısırgan", "Iğdır", "ﬁnance", "ﬂower", "ﬀ", "ﬃ", "ﬄ", "ﬅ", "ﬆ", "Œuvre", "œil", "ĳssel",
    "ǅemal", "Ǉubljana", "ŉ", "ẞ", "MASSE", "Maße", "weiß", "Fuß", "groß", "ΣΑΣ", "σας", "Σίσυφος", "ΟΔΥΣΣΕΥΣ",
    "Ὀδυσσεύς", "ἀλήθεια", "φιλοσοφία", "ΆΈΉΊΌΎΏ", "ΐΰ", "Ω", "Å", "K", "ǰ", "ﬓ", "ÿ", "Ÿ", "ŀ", "Ŀ", "ĸ",
]

GREEK = "αβγδεζηθικλμνξοπρστυφχψωςΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩάέήίόύώϊϋΐΰ"

SCRIPT_WORDS = {
    "cyrillic": ["Москва", "привет", "мир", "Ёлка", "ёж", "Їжак", "Ґанок", "Ђорђе", "Џеп", "ЩИ", "объявление",
                 "Україна", "Беларусь", "Қазақстан", "Монгол"],
    "arabic": ["مرحبا", "العالم", "السلام عليكم", "كتاب", "مُحَمَّد", "لا", "ﻻ", "ﷺ", "ﷲ", "٣٤٥", "؟", "،", "۔"],
    "hebrew": ["שלום", "עולם", "בְּרֵאשִׁית", "ירושלים", "ﬠ", "ﬡ", "ש״ח", "׳"],
    "devanagari": ["नमस्ते", "दुनिया", "हिन्दी", "क़", "क्ष", "श्री", "१२३", "।", "॥", "ॐ"],
    "thai": ["สวัสดี", "ประเทศไทย", "กรุงเทพมหานคร", "๑๒๓", "ฯ", "ๆ", "เ", "ำ"],
    "other": ["ሰላም", "ᏣᎳᎩ", "ᐃᓄᒃᑎᑐᑦ", "ქართული", "Հայերեն", "ᠮᠣᠩᠭᠣᠯ", "བོད་ཡིག", "ꦗꦮ", "𐌰𐌱𐌲", "ߒߞߏ"],
}

SCRIPT_RANGES = {
    "greek": [(0x0370, 0x03FF), (0x1F00, 0x1FFF)],
    "cyrillic": [(0x0400, 0x04FF), (0x0500, 0x052F)],
    "arabic": [(0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)],
    "hebrew": [(0x0590, 0x05FF), (0xFB1D, 0xFB4F)],
    "devanagari": [(0x0900, 0x097F), (0xA8E0, 0xA8FF)],
    "thai": [(0x0E00, 0x0E7F)],
    "armenian_georgian": [(0x0530, 0x058F), (0x10A0, 0x10FF)],
    "ethiopic_cherokee": [(0x1200, 0x137F), (0x13A0, 0x13FF)],
}

CJK_RANGES = {
    "unified": (0x4E00, 0x9FFF),
    "ext_a": (0x3400, 0x4DBF),
    "ext_b": (0x20000, 0x2A6DF),
    "ext_c": (0x2A700, 0x2B73F),
    "ext_d": (0x2B740, 0x2B81F),
    "ext_e_not_split": (0x2B820, 0x2B91F),  # split by Python's slow tokenizer, *not* by Rust
    "ext_e_split": (0x2B920, 0x2CEAF),
    "ext_f": (0x2CEB0, 0x2EBEF),            # outside the Rust table: not split
    "ext_g": (0x30000, 0x3134F),            # outside the Rust table: not split
    "compat": (0xF900, 0xFAFF),
    "compat_supp": (0x2F800, 0x2FA1F),
    "radicals": (0x2E80, 0x2FDF),
    "cjk_symbols": (0x3000, 0x303F),
    "hiragana": (0x3040, 0x309F),
    "katakana": (0x30A0, 0x30FF),
    "halfwidth_kana": (0xFF61, 0xFF9F),
    "hangul": (0xAC00, 0xD7A3),
    "hangul_jamo": (0x1100, 0x11FF),
    "hangul_compat_jamo": (0x3130, 0x318F),
    "bopomofo": (0x3100, 0x312F),
}

CJK_WORDS = ["野口里佳", "北京大学", "東京都", "日本語", "中华人民共和国", "漢字", "こんにちは", "カタカナ", "ひらがな",
             "ﾊﾝｶｸ", "한국어", "안녕하세요", "서울", "\u1112\u1161\u11AB\u1100\u1173\u11AF", "ㄱㄴㄷ", "ㄅㄆㄇ",
             "豈更車", "\U0002F800\U0002F801", "〇", "々", "〆", "ー", "・", "「引用」", "『書名』", "【注】", "。", "、"]

EMOJI = [
    "😀", "🙂", "😂", "🤣", "❤", "❤️", "♥", "👍", "👍🏻", "👍🏼", "👍🏽", "👍🏾", "👍🏿", "👋🏽", "🧑‍💻", "👩‍❤️‍👨",
    "👨‍👩‍👧‍👦", "🏳️‍🌈", "🏴‍☠️", "🇺🇸", "🇯🇵", "🇩🇪", "🇫🇷", "🇪🇺", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "1️⃣", "#️⃣", "*️⃣", "9⃣",
    "☺", "☺️", "✔", "✔️", "⚠️", "☕", "🚀", "🔥", "🎉", "🤖", "🦀", "🐍", "🧬", "🧪", "🔬", "💊", "🍕", "🇦", "🏻",
    "\u200d", "\ufe0f", "\ufe0e", "©", "®", "™", "©️", "↔️", "⌚", "🀄", "🃏", "🅰️", "🆗", "㊗️", "🫠", "🪿",
]

COMBINING = [chr(c) for c in list(range(0x0300, 0x0370)) + list(range(0x1AB0, 0x1ABF))
             + list(range(0x1DC0, 0x1E00)) + list(range(0x20D0, 0x20F1)) + list(range(0xFE20, 0xFE30))]

C0 = [chr(c) for c in range(0x00, 0x20)]
C1 = [chr(c) for c in range(0x7F, 0xA0)]  # DEL + C1 controls
FORMAT_CHARS = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c",
                "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u2060", "\u2061", "\u2062", "\u2063",
                "\u2064", "\u061c", "\u180e", "\u08e2", "\u0890", "\u0891", "\u0600", "\u0605", "\u06dd", "\u070f",
                "\U000110bd", "\U0001d173", "\U000e0001", "\U000e0020", "\U000e007f", "\ufff9", "\ufffa", "\ufffb"]
PRIVATE_USE = ["\ue000", "\ue001", "\uf8ff", "\U000f0000", "\U000ffffd", "\U00100000", "\U0010fffd"]
UNASSIGNED = ["\u0378", "\u0379", "\u0380", "\u038b", "\u0530", "\u05ff", "\u2fff", "\U0001fffe", "\U000e0080",
              "\U0003fffd", "\U000dffff"]
NONCHARACTERS = ["\ufdd0", "\ufdef", "\ufffe", "\uffff", "\U0001fffe", "\U0001ffff", "\U0010fffe", "\U0010ffff"]
SPECIAL_SCALARS = ["\ufffd", "\x00"]

WHITESPACE = ["\t", "\n", "\x0b", "\x0c", "\r", " ", "\x85", "\xa0", "\u1680"] + [chr(c) for c in range(0x2000, 0x200B)] \
    + ["\u2028", "\u2029", "\u202f", "\u205f", "\u3000"]
# Look-alikes that are *not* White_Space (must not split): ZWSP, mongolian vowel separator, BOM, word joiner
NOT_WHITESPACE = ["\u200b", "\u180e", "\ufeff", "\u2060", "\x1c", "\x1d", "\x1e", "\x1f"]

PUNCT_RANGES = [(0x2010, 0x2027), (0x2030, 0x205E), (0x2E00, 0x2E5D), (0x3001, 0x3003), (0x3008, 0x3011),
                (0xFE10, 0xFE19), (0xFE30, 0xFE4F), (0xFE50, 0xFE6B), (0xFF01, 0xFF0F), (0x00A1, 0x00BF),
                (0x055A, 0x055F), (0x0589, 0x058A), (0x05BE, 0x05C6), (0x060C, 0x061F), (0x066A, 0x066D),
                (0x0964, 0x0965), (0x0E4F, 0x0E5B), (0x104A, 0x104F), (0x1360, 0x1368), (0x166E, 0x166E),
                (0x16EB, 0x16ED), (0x1800, 0x180A), (0xA4FE, 0xA4FF), (0xA60D, 0xA60F), (0x10100, 0x10102),
                (0x1E95E, 0x1E95F), (0x2190, 0x21FF), (0x2200, 0x22FF), (0x20A0, 0x20C0), (0x02C2, 0x02DF)]
POST_UNICODE8 = ["\u2e43", "\u2e44", "\u2e49", "\u2e4f", "\u2e52", "\u2e5d", "\u08d4", "\u08d3", "\u1abf",
                 "\u1dfa", "\u0d81", "\u2e42", "\u2e3f", "\u2e41"]

SPECIAL_TOKENS = ["[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]"]
SPECIAL_VARIANTS = ["[cls]", "[Sep]", "[mask]", "[CL", "CLS]", "[ CLS ]", "[[CLS]]", "[CLS][SEP]", "[PAD][PAD]",
                    "[CLS", "SEP]", "[UNK]]", "[[MASK]", "[MASKED]", "[SEP ]", "［CLS］"]

CODE_SNIPPETS = [
    "def f(x):\n    return x ** 2  # square",
    "for i in range(10):\n\tprint(f\"{i:03d}\")",
    "import numpy as np\narr = np.zeros((3, 4), dtype=np.float32)",
    "class Foo(Bar):\n    __slots__ = ('a', 'b')",
    "lambda *args, **kwargs: None",
    "x = [a for a in xs if a != 0]",
    "let x: [Int] = [1, 2, 3].map { $0 * 2 }",
    "func encode(_ text: String) throws -> [Int32] { try tokenizer.encode(text) }",
    "guard let url = URL(string: \"https://example.com/a?b=c&d=e\") else { return nil }",
    "struct Point: Hashable { var x, y: Double }",
    "@inlinable public static func +(lhs: Self, rhs: Self) -> Self",
    "{\"key\": \"value\", \"n\": 42, \"arr\": [1.5e-3, null, true]}",
    "{\"nested\": {\"a\": [\"\\u00e9\", \"\\n\"]}}",
    "<!DOCTYPE html><html lang=\"en\"><head><title>Test &amp; demo</title></head></html>",
    "<div class=\"card\" data-id='7'><p>Hello <b>world</b>&nbsp;!</p></div>",
    "<a href=\"/path/to?x=1&y=2#frag\">link</a>",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;",
    "int main(int argc, char **argv) { printf(\"%d\\n\", argc); return 0; }",
    "fn main() { let v: Vec<u8> = vec![0; 16]; println!(\"{:?}\", v); }",
    "$ git commit -m 'fix: handle CRLF' && git push origin main",
    "path = C:\\Users\\me\\Documents\\file.txt",
    "regex: ^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$",
    "a->b; c::d; e=>f; g<=h; i>=j; k!=l; m==n; o&&p; q||r",
    "#include <stdio.h>\r\n#define MAX(a,b) ((a)>(b)?(a):(b))",
    "user@example.com https://www.example.org/index.html?q=tessera&lang=en",
]

CURRENCIES = ["$", "€", "£", "¥", "₹", "₩", "₽", "₺", "₿", "¢", "₫", "฿", "₪", "CHF", "USD", "EUR"]
MONTHS = ["January", "Feb", "March", "Apr.", "May", "June", "Jul", "August", "Sept.", "October", "Nov", "December"]


def is_surrogate(cp):
    return 0xD800 <= cp <= 0xDFFF


def draw_char(rng, lo, hi):
    """A random scalar from [lo, hi], never a surrogate."""
    while True:
        cp = rng.randint(lo, hi)
        if not is_surrogate(cp):
            return chr(cp)


def draw_from_ranges(rng, ranges, n):
    out = []
    for _ in range(n):
        lo, hi = rng.choice(ranges)
        out.append(draw_char(rng, lo, hi))
    return "".join(out)


def english_sentence(rng, n_words=None):
    n = n_words if n_words is not None else rng.randint(3, 18)
    words = []
    for i in range(n):
        w = rng.choice(ENGLISH_WORDS)
        r = rng.random()
        if r < 0.08:
            w = w.upper()
        elif r < 0.2:
            w = w.capitalize()
        elif r < 0.23:
            w = "".join(c.upper() if rng.random() < 0.5 else c for c in w)
        words.append(w)
        if i < n - 1 and rng.random() < 0.12:
            words[-1] += rng.choice([",", ";", ":", " -", " —", "…"])
    s = " ".join(words)
    if s:
        s = s[0].upper() + s[1:]
    return s + rng.choice([".", "!", "?", "?!", "...", "", ".)", "\"", "'"])


# --------------------------------------------------------------------------------------------------------------
# Groups: each returns a list of texts
# --------------------------------------------------------------------------------------------------------------

def group_english(rng):
    texts = ["Hello, World!", "unaffable", "Hello there", "The quick brown fox jumps over the lazy dog.",
             "I can't believe it's not butter!", "U.S.A. vs. U.K.", "e.g. i.e. etc.", "Mr. O'Brien's café",
             "HELLO", "hElLo WoRlD", "a", "A", "I", "x", "ab cd", "well-known self-driving state-of-the-art"]
    while len(texts) < 300:
        k = rng.random()
        if k < 0.6:
            texts.append(english_sentence(rng))
        elif k < 0.8:
            texts.append(" ".join(english_sentence(rng) for _ in range(rng.randint(2, 4))))
        else:
            w = rng.choice(ENGLISH_WORDS)
            texts.append(rng.choice(PUNCT_ASCII) + w + rng.choice(PUNCT_ASCII) + rng.choice(PUNCT_ASCII))
    return texts


def group_latin_greek(rng):
    texts = list(ACCENTED_WORDS)
    texts += [unicodedata.normalize("NFD", w) for w in ACCENTED_WORDS[:40]]
    texts += ["ΣΑΣ", "σας", "ΟΔΟΣ ΟΔΟΣ", "ΣΣ Σ σ ς", "İ", "ı", "İi Iı", "ß", "ẞ", "ﬁ", "ﬁﬂ ﬃ", "Ǆ ǅ ǆ", "ǰ̌"]
    while len(texts) < 200:
        k = rng.random()
        if k < 0.4:
            words = rng.sample(ACCENTED_WORDS, rng.randint(2, 5))
            s = " ".join(words)
            texts.append(unicodedata.normalize(rng.choice(["NFC", "NFD", "NFKC", "NFKD"]), s))
        elif k < 0.7:
            texts.append("".join(rng.choice(GREEK) for _ in range(rng.randint(2, 12))))
        else:
            base = "".join(rng.choice("aeiouycnszAEIOUYCNSZ") for _ in range(rng.randint(2, 8)))
            texts.append(unicodedata.normalize("NFC", "".join(
                c + (rng.choice("\u0300\u0301\u0302\u0303\u0308\u030a\u030c\u0327\u0328") if rng.random() < 0.5 else "")
                for c in base)))
    return texts


def group_scripts(rng):
    texts = []
    for words in SCRIPT_WORDS.values():
        texts += words
    names = list(SCRIPT_RANGES)
    while len(texts) < 220:
        k = rng.random()
        if k < 0.5:
            rngs = SCRIPT_RANGES[rng.choice(names)]
            texts.append(" ".join(draw_from_ranges(rng, rngs, rng.randint(1, 8)) for _ in range(rng.randint(1, 4))))
        else:
            script = rng.choice(list(SCRIPT_WORDS))
            parts = [rng.choice(SCRIPT_WORDS[script]) for _ in range(rng.randint(1, 4))]
            if rng.random() < 0.5:
                parts.insert(rng.randint(0, len(parts)), rng.choice(ENGLISH_WORDS))
            texts.append(rng.choice([" ", "", ", "]).join(parts))
    return texts


def group_cjk(rng):
    texts = list(CJK_WORDS)
    texts += ["a\U0002B820b", "a\U0002B91Fb", "a\U0002B920b", "a\U0002B81Fb", "a\U0002CEB0b", "a\u4E00b",
              "a\u9FFFb", "a\u3400b", "a\u4DBFb", "a\U00020000b", "a\U0002A6DFb", "a\U0002A700b", "a\uF900b",
              "a\uFAFFb", "a\U0002F800b", "a\U0002FA1Fb", "a\u3005b", "a\u30FCb"]
    names = list(CJK_RANGES)
    while len(texts) < 250:
        k = rng.random()
        if k < 0.6:
            lo, hi = CJK_RANGES[rng.choice(names)]
            texts.append("".join(draw_char(rng, lo, hi) for _ in range(rng.randint(1, 10))))
        elif k < 0.85:
            parts = []
            for _ in range(rng.randint(2, 5)):
                lo, hi = CJK_RANGES[rng.choice(names)]
                parts.append("".join(draw_char(rng, lo, hi) for _ in range(rng.randint(1, 4))))
                if rng.random() < 0.4:
                    parts.append(rng.choice(ENGLISH_WORDS))
            texts.append(rng.choice(["", " ", "、"]).join(parts))
        else:
            texts.append(rng.choice(CJK_WORDS) + rng.choice(["。", "！", "?", " ", "(", "ab"]) + rng.choice(CJK_WORDS))
    return texts


def group_emoji(rng):
    texts = list(EMOJI)
    while len(texts) < 180:
        parts = [rng.choice(EMOJI) for _ in range(rng.randint(1, 5))]
        if rng.random() < 0.6:
            parts.insert(rng.randint(0, len(parts)), rng.choice(ENGLISH_WORDS))
        texts.append(rng.choice(["", " "]).join(parts))
    return texts


def group_combining(rng):
    texts = ["e\u0301", "e\u0301\u0301", "a\u0308\u0304", "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334",
             "\u0301", "\u0301a", " \u0301", "\u0301\u0302\u0303", "\u20dd", "1\u20e3", "ก\u0e49\u0e49\u0e49"]
    while len(texts) < 120:
        out = []
        for _ in range(rng.randint(1, 6)):
            if rng.random() < 0.85:
                out.append(rng.choice("abcdefxyzAEIOU1αж"))
            out.append("".join(rng.choice(COMBINING) for _ in range(rng.randint(1, 8))))
            if rng.random() < 0.3:
                out.append(" ")
        texts.append("".join(out))
    return texts


def group_controls_format(rng):
    texts = [f"a{c}b" for c in C0 + C1]
    texts += [f"a{c}b" for c in FORMAT_CHARS]
    texts += ["\x00", "\x00\x00abc\x00", "\ufffd", "a\ufffdb", "\ufeffhello", "soft\u00adhyphen", "\u200e\u200f",
              "\u202eevil\u202c", "zero\u200bwidth\u200bspace", "ab\u200dcd\u200cef", "\x7f", "\x1b[31mred\x1b[0m",
              "\U0001D400\U0001D7CE"]
    pool = C0 + C1 + FORMAT_CHARS + SPECIAL_SCALARS
    while len(texts) < 220:
        out = []
        for _ in range(rng.randint(1, 8)):
            out.append(rng.choice(pool) if rng.random() < 0.5 else rng.choice(ENGLISH_WORDS))
        texts.append("".join(out))
    return texts


def group_private_unassigned(rng):
    texts = [f"a{c}b" for c in PRIVATE_USE + UNASSIGNED + NONCHARACTERS]
    texts += PRIVATE_USE + UNASSIGNED + NONCHARACTERS
    pool = PRIVATE_USE + UNASSIGNED + NONCHARACTERS + SPECIAL_SCALARS
    while len(texts) < 110:
        k = rng.random()
        if k < 0.4:
            texts.append("".join(draw_char(rng, 0xE000, 0xF8FF) for _ in range(rng.randint(1, 4))))
        else:
            out = [rng.choice(pool) if rng.random() < 0.5 else rng.choice(ENGLISH_WORDS)
                   for _ in range(rng.randint(1, 6))]
            texts.append(rng.choice(["", " "]).join(out))
    return texts


def group_whitespace(rng):
    texts = [f"a{w}b" for w in WHITESPACE]
    texts += [f"a{w}b" for w in NOT_WHITESPACE]
    texts += [w for w in WHITESPACE]
    texts += ["x\r\ny", "line one\r\nline two\r\n", "\r\n\r\n", "a\n\nb", "\ta\tb\t", "  leading", "trailing  ",
              "  both  ", "a" + "".join(WHITESPACE) + "b"]
    while len(texts) < 170:
        out = []
        for _ in range(rng.randint(1, 6)):
            out.append(rng.choice(ENGLISH_WORDS) if rng.random() < 0.6 else "")
            out.append("".join(rng.choice(WHITESPACE + NOT_WHITESPACE[:2]) for _ in range(rng.randint(1, 5))))
        texts.append("".join(out))
    return texts


def group_punctuation(rng):
    texts = ["$5+3=8", "€ ¿a — “a”", "a$b+c<d=e>f^g`h|i~j", "?!?", "...", "—–-", "«quoted»", "„Anführung“",
             "「かぎ」", "¡Hola!", "¿Qué?", "a·b", "a‧b", "§1 ¶2", "※", "‰‱", "a\\b/c", "a_b", "#hashtag @mention",
             "100%", "5 × 3 ÷ 2 ≠ 7", "x² + y³", "©2024 Tessera™", "→ ← ↔", "∀x∃y", "½ ¼ ¾"]
    texts += [f"a{c}b" for c in POST_UNICODE8]
    texts += [f"a{c}b" for c in "$+<=>^`|~"]
    while len(texts) < 230:
        k = rng.random()
        if k < 0.5:
            texts.append("a" + draw_from_ranges(rng, PUNCT_RANGES, rng.randint(1, 3)) + "b")
        elif k < 0.8:
            out = []
            for _ in range(rng.randint(1, 5)):
                out.append(rng.choice(ENGLISH_WORDS))
                out.append(draw_from_ranges(rng, PUNCT_RANGES, 1) if rng.random() < 0.7 else rng.choice(POST_UNICODE8))
            texts.append(rng.choice(["", " "]).join(out))
        else:
            texts.append("".join(rng.choice(PUNCT_ASCII) for _ in range(rng.randint(1, 8))))
    return texts


def group_special_tokens(rng):
    texts = ["[CLS] hello [SEP]", "[cls]", "a[MASK]b", "[CL", "[PAD]", "[UNK]", "[MASK]", "[SEP]", "[CLS]",
             "[CLS][SEP][PAD][MASK][UNK]", "hello[SEP]world", "x [UNK] y", "[UNK]unk", "the [MASK] sat"]
    while len(texts) < 130:
        out = []
        for _ in range(rng.randint(1, 5)):
            r = rng.random()
            if r < 0.4:
                out.append(rng.choice(SPECIAL_TOKENS))
            elif r < 0.6:
                out.append(rng.choice(SPECIAL_VARIANTS))
            else:
                out.append(rng.choice(ENGLISH_WORDS))
        texts.append(rng.choice(["", " ", "  ", "\n"]).join(out))
    return texts


def group_long_words(rng):
    texts = []
    for n in (99, 100, 101, 150):
        texts.append("x" * n)
        texts.append("a" * n)
        texts.append("é" * n)
        texts.append("ab" * (n // 2) + "a" * (n % 2))
        texts.append("hello " + "z" * n + " world")
        texts.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n)))
        texts.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(n)))
        texts.append("e\u0301" * (n // 2))
    texts.append("e\u0301" * 60)
    texts.append("E\u0301" * 60)
    texts.append("word " + "e\u0301" * 60 + " word")
    texts.append("e\u0301" * 99 + "x")
    texts.append("ﬁ" * 60)            # NFKC not applied: 60 scalars, not 120
    texts.append("İ" * 99)            # lowercase expands each to 2 scalars; accent stripping removes the dot again
    texts.append("ß" * 101)
    texts.append("野" * 150)
    texts.append("qx" * 50 + "qx")    # likely to hit [UNK] mid-word
    while len(texts) < 70:
        n = rng.choice([98, 99, 100, 101, 102, 120, 150, 200])
        texts.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n)))
    return texts


def group_code(rng):
    texts = list(CODE_SNIPPETS)
    while len(texts) < 110:
        snips = rng.sample(CODE_SNIPPETS, rng.randint(1, 3))
        texts.append(rng.choice(["\n", "\r\n", " ", "\n\n"]).join(snips))
    return texts


def group_numbers(rng):
    texts = ["3.14159", "1,000,000", "1.000.000,50", "2024-06-11", "11/06/2024", "12:30:45", "1e-12", "6.022e23",
             "-0.0", "+42", "0x1F", "0b1010", "1_000_000", "$1,234.56", "€9,99", "£100", "¥5000", "₹1,00,000",
             "50%", "3rd 2nd 1st 4th", "½", "Ⅻ", "①②③", "٣٤٥", "१२३", "１２３", "10^6", "2^-3", "N=42", "p < 0.05",
             "95% CI [1.2, 3.4]", "±0.5", "1.5×10⁻³", "H₂O", "CO₂", "10km", "5kg", "9.81m/s²", "37°C", "98.6°F"]
    while len(texts) < 160:
        k = rng.random()
        if k < 0.25:
            texts.append(f"{rng.uniform(-1e6, 1e6):.{rng.randint(0, 6)}f}")
        elif k < 0.4:
            texts.append(f"{rng.uniform(1e-9, 1e9):.{rng.randint(1, 5)}e}")
        elif k < 0.6:
            y, m, d = rng.randint(1900, 2099), rng.randint(1, 12), rng.randint(1, 28)
            texts.append(rng.choice([f"{y}-{m:02d}-{d:02d}", f"{d} {MONTHS[m - 1]} {y}", f"{m}/{d}/{y % 100:02d}",
                                     f"{MONTHS[m - 1]} {d}, {y}"]))
        elif k < 0.8:
            c = rng.choice(CURRENCIES)
            amount = f"{rng.uniform(0, 1e5):,.2f}"
            texts.append(rng.choice([f"{c}{amount}", f"{amount} {c}", f"costs {c}{amount} today"]))
        else:
            texts.append(f"{rng.randint(1, 999)} {rng.choice(ENGLISH_WORDS)} in {rng.randint(1000, 9999)}")
    return texts


def to_fullwidth(s):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in s)


def group_fullwidth(rng):
    texts = ["ＡＢＣ１２３！", "ｈｅｌｌｏ　ｗｏｒｌｄ", "Ｔｅｓｓｅｒａ", "（全角）", "＄１００", "［ＣＬＳ］"]
    while len(texts) < 60:
        texts.append(to_fullwidth(english_sentence(rng, rng.randint(1, 5))))
    return texts


def group_empty_whitespace(rng):
    texts = ["", " ", "  ", "\t", "\n", "\r\n", "\u3000", "\xa0", "\u200b", "\ufeff", "\x00", "\ufffd", "\x00 \ufffd"]
    while len(texts) < 50:
        texts.append("".join(rng.choice(WHITESPACE + NOT_WHITESPACE) for _ in range(rng.randint(1, 10))))
    return texts


def random_piece(rng):
    """One random fragment from any of the pools above."""
    k = rng.randrange(12)
    if k == 0:
        return english_sentence(rng, rng.randint(1, 6))
    if k == 1:
        return rng.choice(ACCENTED_WORDS)
    if k == 2:
        lo, hi = rng.choice(list(CJK_RANGES.values()))
        return "".join(draw_char(rng, lo, hi) for _ in range(rng.randint(1, 4)))
    if k == 3:
        return rng.choice(EMOJI)
    if k == 4:
        return rng.choice(COMBINING)
    if k == 5:
        return rng.choice(C0 + C1 + FORMAT_CHARS + PRIVATE_USE + UNASSIGNED + NONCHARACTERS + SPECIAL_SCALARS)
    if k == 6:
        return "".join(rng.choice(WHITESPACE) for _ in range(rng.randint(1, 3)))
    if k == 7:
        return draw_from_ranges(rng, PUNCT_RANGES, 1) if rng.random() < 0.8 else rng.choice(POST_UNICODE8)
    if k == 8:
        return rng.choice(SPECIAL_TOKENS + SPECIAL_VARIANTS)
    if k == 9:
        script = rng.choice(list(SCRIPT_WORDS))
        return rng.choice(SCRIPT_WORDS[script])
    if k == 10:
        return str(rng.randint(0, 10 ** rng.randint(1, 8)))
    return draw_char(rng, 0x20, 0x10FFFF)  # any scalar at all


def group_random_mix(rng):
    texts = []
    while len(texts) < 320:
        pieces = [random_piece(rng) for _ in range(rng.randint(1, 12))]
        texts.append(rng.choice(["", " ", ""]).join(pieces))
    return texts


# --------------------------------------------------------------------------------------------------------------
# Pairs and truncation cases (built from the single-text pool)
# --------------------------------------------------------------------------------------------------------------

def make_pair_cases(rng, pool):
    cases = [("Hello there", "general kenobi", None), ("", "", None), ("a", "", None), ("", "b", None),
             ("[CLS]", "[SEP]", None), ("What is a vector?", english_sentence(rng), None)]
    while len(cases) < 150:
        a = rng.choice(pool) if rng.random() < 0.5 else english_sentence(rng)
        b = rng.choice(pool) if rng.random() < 0.5 else english_sentence(rng)
        cases.append((a, b, None))
    return cases


def make_truncation_cases(rng, pool):
    lengths = [3, 4, 5, 8, 16, 32]
    long_text = " ".join(english_sentence(rng) for _ in range(6))
    cases = []
    for L in lengths:  # boundaries of the LongestFirst rule, plus the degenerate budgets
        cases += [("", None, L), ("a", None, L), (long_text, None, L), ("", "", L), ("a", "b", L),
                  (long_text, "short one", L), ("short one", long_text, L)]
    while len(cases) < 160:
        L = rng.choice(lengths)
        a = english_sentence(rng, rng.randint(1, 30)) if rng.random() < 0.6 else rng.choice(pool)
        b = None
        if rng.random() < 0.5:
            b = english_sentence(rng, rng.randint(1, 30)) if rng.random() < 0.6 else rng.choice(pool)
        cases.append((a, b, L))
    return cases


# --------------------------------------------------------------------------------------------------------------
# Encoding and writing
# --------------------------------------------------------------------------------------------------------------

def encode_case(tok, text, pair, max_length):
    if max_length is not None:
        tok.enable_truncation(max_length, strategy="longest_first")
    try:
        enc = tok.encode(text, pair, add_special_tokens=True)
    finally:
        tok.no_truncation()
    return {
        "text": text,
        "pair": pair,
        "max_length": max_length,
        "ids": list(enc.ids),
        "type_ids": list(enc.type_ids),
        "offsets": [[s, e] for s, e in enc.offsets],
    }


LINE_BREAK_ESCAPES = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def to_json_line(record):
    line = json.dumps(record, ensure_ascii=False)
    for raw, esc in LINE_BREAK_ESCAPES.items():  # these can only occur inside JSON strings
        line = line.replace(raw, esc)
    return line


def check_text(s):
    assert not any(is_surrogate(ord(c)) for c in s), repr(s)


GROUPS = [
    ("english", group_english),
    ("latin_greek_turkish_german", group_latin_greek),
    ("scripts_cyr_ar_he_deva_thai", group_scripts),
    ("cjk_kana_hangul", group_cjk),
    ("emoji", group_emoji),
    ("combining_marks", group_combining),
    ("controls_format", group_controls_format),
    ("private_unassigned_nonchar", group_private_unassigned),
    ("whitespace", group_whitespace),
    ("punctuation_symbols", group_punctuation),
    ("special_tokens", group_special_tokens),
    ("long_words", group_long_words),
    ("source_code", group_code),
    ("numbers_dates_currency", group_numbers),
    ("fullwidth", group_fullwidth),
    ("empty_whitespace_only", group_empty_whitespace),
    ("random_mix", group_random_mix),
]


def build_cases(seed):
    """Returns [(group, text, pair, max_length)]."""
    cases = []
    pool = []
    for i, (name, fn) in enumerate(GROUPS):
        rng = random.Random(f"{seed}-{name}")  # one stream per group: editing one group leaves others unchanged
        for text in fn(rng):
            cases.append((name, text, None, None))
            pool.append(text)
    rng = random.Random(f"{seed}-pairs")
    cases += [("pairs", a, b, L) for a, b, L in make_pair_cases(rng, pool)]
    rng = random.Random(f"{seed}-truncation")
    cases += [("truncation", a, b, L) for a, b, L in make_truncation_cases(rng, pool)]
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir", nargs="?", default=DEFAULT_MODEL)
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()

    tok = Tokenizer.from_file(os.path.join(args.model_dir, "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()

    cases = build_cases(args.seed)
    counts = Counter()
    unk_lines = 0
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        for group, text, pair, max_length in cases:
            check_text(text)
            if pair is not None:
                check_text(pair)
            rec = encode_case(tok, text, pair, max_length)
            unk_lines += 100 in rec["ids"]
            f.write(to_json_line(rec) + "\n")
            counts[group] += 1

    # Sanity: the file re-reads as UTF-8 JSON, one object per line, and round-trips exactly.
    with open(out, encoding="utf-8", newline="\n") as f:
        lines = f.read().split("\n")
    assert lines[-1] == "" and len(lines) - 1 == len(cases)
    for line, (_, text, pair, _) in zip(lines, cases):
        rec = json.loads(line)
        assert rec["text"] == text and rec["pair"] == pair

    print(f"tokenizer: {args.model_dir}/tokenizer.json")
    for name, n in counts.items():
        print(f"  {name:32s} {n:5d}")
    print(f"  {'TOTAL':32s} {sum(counts.values()):5d}   (lines containing [UNK]: {unk_lines})")
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    sys.exit(main())
