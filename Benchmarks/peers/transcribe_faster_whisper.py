"""Peer for zhiku-bench: faster-whisper (CTranslate2) on the same Whisper base model.bin, float32, greedy, no
timestamps, no VAD (the settings of ../shared/eval/speech). Prints seconds, audio duration and the output tokens."""
import json, sys, time
from faster_whisper import WhisperModel
from faster_whisper.audio import decode_audio

model_dir, wav, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
load = time.perf_counter()
model = WhisperModel(model_dir, device="cpu", compute_type="float32", cpu_threads=threads)
load = time.perf_counter() - load
audio = decode_audio(wav)
start = time.perf_counter()
segments, info = model.transcribe(audio, beam_size=1, temperature=0, without_timestamps=True,
                                  condition_on_previous_text=False, vad_filter=False)
tokens = [t for s in segments for t in s.tokens]
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "load_seconds": load, "duration": len(audio) / 16000, "tokens": tokens}))
