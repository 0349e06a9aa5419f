// @ts-check
// Voice: the microphone button (record → transcribe on the server → the text in the box) and reading answers
// aloud with the server's voice, by hand or automatically ("hands-free").
import { postBytes, postForBlob } from './api.js';
import { toast } from './dom.js';
import { t } from './i18n.js';

const AUTO_READ = 'zhiku.autoRead';

/** Whether finished answers are read aloud without asking. */
export const autoRead = () => localStorage.getItem(AUTO_READ) === '1';
export function setAutoRead(on) { localStorage.setItem(AUTO_READ, on ? '1' : '0'); }

let recorder = null;

/**
 * Wires the microphone button: the first click records, the second stops; the recording is transcribed and
 * `onText(text, transcript)` receives the words. Hidden where the browser cannot record.
 */
export function initMicrophone(button, onText) {
  if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === 'undefined') { button.hidden = true; return; }
  const show = (mode) => {
    button.dataset.state = mode;
    button.setAttribute('aria-pressed', mode === 'recording' ? 'true' : 'false');
    const label = t(mode === 'recording' ? 'stopRecording' : mode === 'busy' ? 'transcribing' : 'speak');
    button.title = label;
    button.setAttribute('aria-label', label);
    button.disabled = mode === 'busy';
  };
  show('idle');
  button.addEventListener('click', async () => {
    if (recorder) { recorder.stop(); return; }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      toast(t('microphoneDenied'));
      return;
    }
    const chunks = [];
    const started = performance.now();
    recorder = new MediaRecorder(stream);
    recorder.addEventListener('dataavailable', (e) => { if (e.data.size) chunks.push(e.data); });
    recorder.addEventListener('stop', async () => {
      stream.getTracks().forEach((track) => track.stop());
      recorder = null;
      if (performance.now() - started < 300 || !chunks.length) { show('idle'); return; }
      show('busy');
      try {
        const recording = new Blob(chunks, { type: chunks[0].type || 'audio/webm' });
        const transcript = await postBytes('/api/transcribe', recording);
        if (transcript.text) onText(transcript.text, transcript);
        else toast(t('heardNothing'));
      } catch (e) {
        toast(e.message);
      } finally {
        show('idle');
      }
    });
    recorder.start();
    show('recording');
  });
}

/** The words of an answer without citation marks and Markdown symbols, as they should be read. */
export function speakable(markdown) {
  return markdown
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/\[(\d+)\]/g, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`#>|~]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

let playing = null;

/** Stops whatever is being read. */
export function stopSpeaking() {
  if (!playing) return;
  playing.controller.abort();
  playing.audio?.pause();
  playing.button?.classList.remove('speaking');
  if (playing.url) URL.revokeObjectURL(playing.url);
  playing = null;
}

/** Reads `text` aloud (the same button again stops it). */
export async function speak(text, button) {
  const again = playing && playing.button === button;
  stopSpeaking();
  if (again || !text) return;
  const current = { controller: new AbortController(), button };
  playing = current;
  button?.classList.add('speaking');
  try {
    const blob = await postForBlob('/api/speech', { text }, current.controller.signal);
    if (playing !== current) return;
    current.url = URL.createObjectURL(blob);
    current.audio = new Audio(current.url);
    current.audio.addEventListener('ended', () => { if (playing === current) stopSpeaking(); });
    await current.audio.play();
  } catch (e) {
    if (e.name !== 'AbortError' && playing === current) toast(e.message);
    if (playing === current) stopSpeaking();
  }
}
