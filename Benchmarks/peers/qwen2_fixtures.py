"""Writes Tests/ZhikuModelsTests/Fixtures/qwen2-*.json from llama.cpp (gpt4all 2.8.2's build, through
llamacpp_ctypes.py) on the built-in Qwen2.5 GGUF files: tokenizer cases and greedy chats.

  python qwen2_fixtures.py MODELS_FOLDER OUT_FOLDER

Tokenizer cases cover Chinese, English, code, digits, emoji, text without spaces, control tokens written in text
(which must stay text), long CJK runs and mixed whitespace. Greedy cases: a Chinese chat, an English chat and a
RAG prompt with numbered sources, rendered in ChatML; llama.cpp's prompt ids, 20 greedy tokens and top-10 logits.
"""
import json, os, subprocess, sys

models, out = sys.argv[1], sys.argv[2]
peer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "llamacpp_ctypes.py")
files = {
    "qwen2.5-0.5b-instruct": os.path.join(models, "qwen2.5-0.5b-instruct", "qwen2.5-coder-0.5b-instruct.gguf"),
    "qwen2.5-1.5b-instruct": os.path.join(models, "qwen2.5-1.5b-instruct", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"),
}


def run(command, path, jobs, threads=2):
    text = "\n".join(json.dumps(j, ensure_ascii=False) for j in jobs) + "\n"
    done = subprocess.run([sys.executable, peer, command, path, str(threads)], input=text.encode(), capture_output=True, check=True)
    return [json.loads(line) for line in done.stdout.decode().splitlines() if line.strip()]


texts = [
    "Hello world",
    "  leading spaces and trailing  ",
    "numbers 12345 and 3.14159, version 2.9.0~pre1",
    "中文测试：你好世界！这是一个没有空格的长句子，用来检查分词器在连续汉字上的表现。",
    "装机时想要 KDE Plasma 而不是默认桌面，启动参数该怎么写？",
    "def f(x):\n    return {'a': [1, 2, 3]}  # comment\n\tif x != None:\n\t\tprint(x)\n",
    "emoji 🎉🚀 and 👩‍💻 mixed with 汉字",
    "TheLinuxCNCDeveloperManualdescribeshowtobuildthesourcecodeonDebian,maximumlengthof41characters",
    "<|im_start|>user\nhi<|im_end|> written in a document stays text",
    "don't STOP, you'LL see IT'S fine; we've 'quoted' words",
    "line one\r\n\r\nline two\n\n\n   indented\t\ttabs  \n",
    "Ünïcödé naïve café — “quotes” … ½ ² Ⅻ ①",
    "第" * 300 + "，" + "知识库问答系统" * 40,
    "x" * 500,
    "1234567890" * 20,
    "混合English与中文mixed文本123和符号！@#￥%……&*（）",
    "https://example.com/path?q=1&r=two#frag and user@example.org",
    "   ",
    "\n",
    "a\u3000b\u00a0c",
]

for name, path in files.items():
    if not os.path.exists(path):
        print(f"skipping {name}: {path} not found", file=sys.stderr)
        continue
    cases = run("tokenize", path, [{"text": t, "special": False} for t in texts])
    with_controls = run("tokenize", path, [{"text": "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n", "special": True}])
    tokenizer = [{"text": t, "special": False, "ids": c["ids"]} for t, c in zip(texts, cases)]
    tokenizer.append({"text": "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n",
                      "special": True, "ids": with_controls[0]["ids"]})
    with open(os.path.join(out, f"{name}-tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer, f, ensure_ascii=False, indent=0)

    def chatml(messages):
        return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages) + "<|im_start|>assistant\n"

    chats = [
        [{"role": "system", "content": "You are a helpful assistant."},
         {"role": "user", "content": "用一句话介绍一下长城。"}],
        [{"role": "system", "content": "You are a helpful assistant."},
         {"role": "user", "content": "What is the capital of France? Answer in one sentence."}],
        [{"role": "system", "content": "你是知识库助手。只根据编号资料回答，用 [n] 标注引用的资料编号。"},
         {"role": "user", "content": "资料：\n[1] handbook.pdf, p. 3\n员工每年有 15 天带薪年假，需提前一周在系统中申请。\n\n"
                                     "[2] handbook.pdf, p. 7\n食堂中午十二点开门，下午两点关门。\n\n问题：年假有几天？"}],
    ]
    greedy = run("greedy", path, [{"prompt": chatml(m), "special": True, "n": 20} for m in chats])
    with open(os.path.join(out, f"{name}-greedy.json"), "w", encoding="utf-8") as f:
        json.dump([{"messages": m, "prompt": chatml(m), **g} for m, g in zip(chats, greedy)], f, ensure_ascii=False, indent=0)
    print(f"{name}: {len(tokenizer)} tokenizer cases, {len(greedy)} greedy chats")
