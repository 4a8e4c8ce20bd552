#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into Fuzz/Corpus/<target>/ (small valid inputs, so that libFuzzer
starts from the formats' real structure). Manifests come from index folders that `tessera index` builds on the
shipped sample corpus. Usage: Scripts/make_fuzz_seeds.py [path/to/tessera]"""
import json, os, struct, subprocess, sys, tempfile

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
corpus = os.path.join(root, "Fuzz", "Corpus")
tessera = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, ".build", "release", "tessera")


def write(target, name, data):
    os.makedirs(os.path.join(corpus, target), exist_ok=True)
    with open(os.path.join(corpus, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


# JSON: every kind of value, escapes, numbers at the edges.
for i, text in enumerate([
    '{"a": [1, -2.5e-3, true, false, null], "b": {"c": "d\\u00e9\\n\\"q\\""}}',
    '[[], {}, "", 0, -0, 1e308, 123456789012345678901234567890]',
    '"\\ud83d\\ude00 surrogate pair"',
    '{"nested": [[[[[[[[{"x": 1}]]]]]]]]}',
]):
    write("json", f"seed{i}.json", text)

# tokenizer.json: WordPiece (BERT) with and without truncation / padding, and a Metaspace + Unigram one.
vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "a", "b", "##s", "te", "##xt"]
special = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
           for i, t in enumerate(vocab[:5])]
wordpiece = {
    "version": "1.0", "truncation": None, "padding": None, "added_tokens": special,
    "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
    "pre_tokenizer": {"type": "BertPreTokenizer"},
    "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
    "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
    "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
              "vocab": {t: i for i, t in enumerate(vocab)}},
}
write("tokenizer", "wordpiece.json", json.dumps(wordpiece))
padded = dict(wordpiece)
padded["truncation"] = {"direction": "Right", "max_length": 6, "strategy": "LongestFirst", "stride": 0}
padded["padding"] = {"strategy": {"Fixed": 8}, "direction": "Right", "pad_to_multiple_of": None, "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"}
write("tokenizer", "wordpiece-padded.json", json.dumps(padded))
unigram = {
    "version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
    "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}]},
    "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
    "post_processor": None, "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
    "model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["\u2581hello", -1.0], ["\u2581", -2.0], ["h", -3.0], ["e", -3.0], ["l", -3.0], ["o", -3.0]]},
}
write("tokenizer", "unigram.json", json.dumps(unigram))


# safetensors: F32, F16 and BF16 tensors, metadata, an empty tensor.
def safetensors(tensors, metadata=None):
    header, data = {}, b""
    for name, dtype, shape, payload in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


write("safetensors", "f32.safetensors", safetensors([("w", "F32", [2, 3], struct.pack("<6f", 1, 2, 3, 4, 5, 6))], {"format": "pt"}))
write("safetensors", "mixed.safetensors", safetensors([
    ("half", "F16", [4], struct.pack("<4e", 0.5, -1, 2, 65504)),
    ("brain", "BF16", [2, 1], struct.pack("<2H", 0x3F80, 0xC000)),
    ("empty", "F32", [0, 4], b""),
    ("ids", "I64", [2], struct.pack("<2q", 1, 2)),
]))

# Index manifests: from real index folders.
with tempfile.TemporaryDirectory() as tmp:
    sample = os.path.join(root, "Examples", "sample-corpus.jsonl")
    for kind, extra in [("bm25", []), ("dense", ["--model", "all-MiniLM-L6-v2"]), ("tokens", ["--model", "all-MiniLM-L6-v2"])]:
        out = os.path.join(tmp, kind)
        subprocess.run([tessera, "index", "--corpus", sample, "--out", out, "--kind", kind] + extra, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(os.path.join(out, "manifest.json"), "rb") as f:
            write("manifest", f"{kind}.json", f.read())

# Server request bodies: the first byte picks the route (0 create collection, 1 documents, 2 search, 3 embeddings).
for i, (kind, body) in enumerate([
    (0, {"model": "all-MiniLM-L6-v2", "indexes": ["dense", "tokens", "bm25"]}),
    (1, {"documents": [{"id": "a", "title": "T", "text": "hello"}, {"id": "b", "text": "world"}], "upsert": True}),
    (2, {"query": "hello", "mode": "xtr", "k": 10, "n_probe": 8, "t_prime": 1000, "ef_search": 64, "k_prime": 100}),
    (3, {"model": "all-MiniLM-L6-v2", "input": ["a", "b"], "dimensions": 64, "encoding_format": "base64"}),
]):
    write("request", f"seed{i}.bin", bytes([kind]) + json.dumps(body).encode())
print("seeds written to", corpus)
