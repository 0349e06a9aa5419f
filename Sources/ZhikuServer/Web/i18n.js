// @ts-check
// UI text in English and Chinese. The language follows the browser unless the user picked one (stored locally).
const strings = {
  en: {
    skipToChat: 'Skip to the chat', closeMenu: 'Close menu', openMenu: 'Open menu', newChat: 'New chat',
    knowledgeBases: 'Knowledge bases', newKbPlaceholder: 'New knowledge base', create: 'Create',
    conversations: 'Conversations', settings: 'Settings', theme: 'Switch light or dark', askIn: 'Answer from',
    noKb: 'No knowledge base (plain chat)', emptyTitle: 'Ask your documents',
    emptyHint: 'Pick a knowledge base, then ask. Answers cite their sources; click a number to see the passage.',
    promptPlaceholder: 'Ask a question…', send: 'Send', stop: 'Stop',
    composerHint: 'Enter to send · Shift+Enter for a new line', askThisKb: 'Ask this knowledge base', rename: 'Rename',
    delete: 'Delete', dropHere: 'Drop files or folders here', chooseFiles: 'Choose files', chooseFolder: 'Choose a folder',
    formats: 'PDF (scans are read by OCR), images, audio (transcribed), Markdown, HTML, text.', file: 'File', status: 'Status', size: 'Size',
    pages: 'Pages', chunks: 'Chunks', actions: 'Actions', chatModel: 'Chat model', defaultModel: 'Model used for answers',
    addEndpoint: 'Add an OpenAI-compatible endpoint',
    endpointHint: 'LM Studio, Ollama, llama.cpp, vLLM… anything that serves /v1/chat/completions.', name: 'Name',
    baseUrl: 'Base URL', modelId: 'Model', apiKey: 'API key', testConnection: 'Test connection', saveAndUse: 'Save and use',
    embeddingModels: 'Embedding model and reranking per knowledge base',
    embeddingHint: 'Changing it re-embeds the knowledge base in the background; search keeps working meanwhile.',
    retrieval: 'Retrieval', sourcesK: 'Sources per answer (k)', searchMode: 'Search', hybrid: 'Hybrid (keyword + vector)',
    keyword: 'Keyword (BM25)', vector: 'Vector', answerMode: 'Answers', generate: 'Written by the model',
    extractive: 'Quoted sentences (no model)', threshold: 'No-answer threshold', save: 'Save', close: 'Close',
    cancel: 'Cancel', ok: 'OK', sources: 'Sources', copy: 'Copy', copied: 'Copied', regenerate: 'Regenerate',
    syncedFolders: 'Synced folders', syncedHint: 'Folders on the server kept in sync: new and changed files are read, renamed ones moved, deleted ones removed.',
    folderPath: 'Folder on the server', addFolder: 'Add a folder', syncNow: 'Sync now', stopSyncing: 'Stop syncing',
    sourceStatus: '{files} files · {pending} pending · {failed} failed · last sync {when}', never: 'never',
    stopSyncingConfirm: 'Stop syncing {path}? Its files are removed from this knowledge base.',
    rerankLabel: 'Second search pass', rerankDefault: 'Rerank: server default', rerankOff: 'Rerank: off',
    rerankSentences: 'Rerank: built-in sentences', rerankServer: 'Rerank: rerank server',
    apiDocs: 'API', chunkNumber: 'chunk {n}', characters: '{n} characters', chunkSummary: '{n} chunks, in order, as they are indexed.',
    whySources: 'Why these sources', source: 'Source', fusedScore: 'Fused score', keywordSide: 'keyword', vectorSide: 'vector',
    notFoundBySide: 'not in its list', whyHint: 'Each source with its fused score and where keyword (BM25) and vector search ranked it.',
    searchDebug: 'Search debug', debugHint: 'One query, searched three ways: the lists answers are built from.', search: 'Search',
    nothingFound: 'Nothing found.', queryPlaceholder: 'A question or keywords…',
    helpful: 'Helpful', notHelpful: 'Not helpful', feedbackComment: 'What was wrong or missing? (optional)',
    feedbackSaved: 'Thanks — your rating is saved.', tags: 'Tags', editTags: 'Tags of “{name}” (comma-separated)',
    filterTags: 'Only files tagged…', filterTagsTitle: 'Answer only from files carrying every one of these tags (comma-separated)',
    stopped: 'Stopped', notFound: 'Not found in the knowledge base', readingSources: 'Reading {n} sources… {pct}%',
    waitingTurn: 'Other answers are ahead at the model: number {n} in line…',
    thinking: 'Searching the knowledge base…', page: 'page {n}', rows: 'rows {a}–{b}', row: 'row {a}', score: 'score', preview: 'Preview',
    retry: 'Retry', noFiles: 'No files yet — drop some above.', noKbs: 'No knowledge bases yet.',
    noConversations: 'No conversations yet.', deleteKbConfirm: 'Delete the knowledge base “{name}” with all its files? This cannot be undone.',
    deleteConvConfirm: 'Delete the conversation “{name}”?', deleteFileConfirm: 'Delete “{name}” from this knowledge base?',
    renameKb: 'New name for the knowledge base', renameConv: 'New title for the conversation',
    uploading: 'Uploading… {pct}%', queued: 'Waiting to be read…', reading: 'Reading page {done} of {total}',
    readingOcr: 'Reading page {done} of {total} ({ocr} by OCR)', embedding: 'Embedding chunk {done} of {total}',
    ready: 'Ready', readySummary: 'Ready · pages: {pages} · chunks: {chunks}', failed: 'Failed', duplicate: 'Already in this knowledge base',
    pending: 'Processing', dropInto: 'Drop to add to “{name}”', dropNeedsKb: 'Create or open a knowledge base first',
    extractedText: 'Extracted text', noText: '(no text on this page)', model: 'model', tokensPerSecond: '{n} tokens/s',
    saved: 'Saved.', testing: 'Testing…', connectionOk: 'Connected to {model} in {ms} ms: “{reply}”',
    connectionBad: 'Could not connect: {error}', builtIn: 'built in', inUse: 'in use', none: 'none (keyword only)',
    reembedding: 'Re-embedding with {model}…', errorPrefix: 'Error: ', newConversation: 'New conversation',
    offline: 'The server cannot be reached.', userName: 'User name', password: 'Password', signIn: 'Sign in',
    signOut: 'Sign out {name}', changePassword: 'Change password', currentPassword: 'Current password',
    newPassword: 'New password (at least 8 characters)', passwordChanged: 'Password changed. Other sessions and API keys were signed out.', chunkRange: 'characters {start}–{end}', ocrEngine: 'OCR by {engine}, confidence {c}%',
    speak: 'Ask by voice', stopRecording: 'Stop recording', transcribing: 'Transcribing…', readAloud: 'Read aloud',
    autoRead: 'Read answers aloud', microphoneDenied: 'The microphone is not available.', heardNothing: 'No speech was heard.',
  },
  zh: {
    skipToChat: '跳到对话', closeMenu: '关闭菜单', openMenu: '打开菜单', newChat: '新对话',
    knowledgeBases: '知识库', newKbPlaceholder: '新建知识库', create: '创建',
    conversations: '对话', settings: '设置', theme: '切换浅色/深色', askIn: '回答依据',
    noKb: '不用知识库（直接对话）', emptyTitle: '向你的文档提问',
    emptyHint: '选择一个知识库，然后提问。回答会标注来源，点击编号即可查看原文。',
    promptPlaceholder: '输入你的问题…', send: '发送', stop: '停止',
    composerHint: 'Enter 发送 · Shift+Enter 换行', askThisKb: '向这个知识库提问', rename: '重命名',
    delete: '删除', dropHere: '把文件或文件夹拖到这里', chooseFiles: '选择文件', chooseFolder: '选择文件夹',
    formats: 'PDF（扫描件会自动 OCR）、图片、录音（自动转写）、Markdown、HTML、纯文本。', file: '文件', status: '状态', size: '大小',
    pages: '页数', chunks: '分块', actions: '操作', chatModel: '对话模型', defaultModel: '回答使用的模型',
    addEndpoint: '添加 OpenAI 兼容接口',
    endpointHint: 'LM Studio、Ollama、llama.cpp、vLLM……任何提供 /v1/chat/completions 的服务。', name: '名称',
    baseUrl: '接口地址', modelId: '模型', apiKey: 'API 密钥', testConnection: '测试连接', saveAndUse: '保存并使用',
    embeddingModels: '各知识库的向量模型与重排',
    embeddingHint: '更换后会在后台重新生成向量，期间检索照常可用。',
    retrieval: '检索', sourcesK: '每个回答的来源数 (k)', searchMode: '检索方式', hybrid: '混合（关键词 + 向量）',
    keyword: '关键词 (BM25)', vector: '向量', answerMode: '回答方式', generate: '由模型撰写',
    extractive: '摘录原句（不用模型）', threshold: '无答案阈值', save: '保存', close: '关闭',
    cancel: '取消', ok: '确定', sources: '来源', copy: '复制', copied: '已复制', regenerate: '重新生成',
    syncedFolders: '同步文件夹', syncedHint: '服务器上的文件夹会保持同步：新增和修改的文件会被读取，改名的文件随之移动，删除的文件会被移除。',
    folderPath: '服务器上的文件夹', addFolder: '添加文件夹', syncNow: '立即同步', stopSyncing: '停止同步',
    sourceStatus: '{files} 个文件 · {pending} 个处理中 · {failed} 个失败 · 上次同步 {when}', never: '从未',
    stopSyncingConfirm: '停止同步 {path}？它的文件会从这个知识库中移除。',
    rerankLabel: '二次排序', rerankDefault: '重排：服务器默认', rerankOff: '重排：关闭',
    rerankSentences: '重排：内置句子打分', rerankServer: '重排：重排服务',
    apiDocs: '接口文档', chunkNumber: '第 {n} 块', characters: '{n} 字', chunkSummary: '共 {n} 块，按顺序列出，与索引中一致。',
    whySources: '为什么是这些来源', source: '来源', fusedScore: '融合得分', keywordSide: '关键词', vectorSide: '向量',
    notFoundBySide: '未进入其结果', whyHint: '每个来源的融合得分，以及关键词（BM25）和向量检索给它的名次。',
    searchDebug: '检索调试', debugHint: '同一个查询用三种方式检索：回答就从这些结果中选取资料。', search: '检索',
    nothingFound: '没有结果。', queryPlaceholder: '输入问题或关键词…',
    helpful: '有帮助', notHelpful: '没帮助', feedbackComment: '哪里不对或缺了什么？（可不填）',
    feedbackSaved: '谢谢，评价已保存。', tags: '标签', editTags: '“{name}”的标签（用逗号分隔）',
    filterTags: '只用带标签的文件…', filterTagsTitle: '只根据带有下列全部标签的文件回答（用逗号分隔）',
    stopped: '已停止', notFound: '知识库中未找到', readingSources: '正在阅读 {n} 份资料… {pct}%',
    waitingTurn: '模型正在回答其他问题，您排在第 {n} 位…',
    thinking: '正在检索知识库…', page: '第 {n} 页', rows: '第 {a}–{b} 行', row: '第 {a} 行', score: '得分', preview: '预览',
    retry: '重试', noFiles: '还没有文件——拖一些到上面吧。', noKbs: '还没有知识库。',
    noConversations: '还没有对话。', deleteKbConfirm: '删除知识库“{name}”及其全部文件？此操作无法撤销。',
    deleteConvConfirm: '删除对话“{name}”？', deleteFileConfirm: '从知识库中删除“{name}”？',
    renameKb: '知识库的新名称', renameConv: '对话的新标题',
    uploading: '上传中… {pct}%', queued: '等待处理…', reading: '正在读取第 {done}/{total} 页',
    readingOcr: '正在读取第 {done}/{total} 页（{ocr} 页 OCR）', embedding: '正在生成向量 {done}/{total}',
    ready: '就绪', readySummary: '就绪 · {pages} 页 · {chunks} 个分块', failed: '失败', duplicate: '知识库中已有此文件',
    pending: '处理中', dropInto: '松开即可添加到“{name}”', dropNeedsKb: '请先创建或打开一个知识库',
    extractedText: '提取的文本', noText: '（此页没有文字）', model: '模型', tokensPerSecond: '{n} 词元/秒',
    saved: '已保存。', testing: '测试中…', connectionOk: '已连接 {model}，用时 {ms} 毫秒：“{reply}”',
    connectionBad: '连接失败：{error}', builtIn: '内置', inUse: '使用中', none: '无（仅关键词）',
    reembedding: '正在用 {model} 重新生成向量…', errorPrefix: '错误：', newConversation: '新对话',
    offline: '无法连接服务器。', userName: '用户名', password: '密码', signIn: '登录', signOut: '退出 {name}', changePassword: '修改密码', currentPassword: '当前密码', newPassword: '新密码（至少 8 个字符）', passwordChanged: '密码已修改，其他会话和 API 密钥已失效。', chunkRange: '字符 {start}–{end}', ocrEngine: 'OCR（{engine}），置信度 {c}%',
    speak: '语音提问', stopRecording: '停止录音', transcribing: '正在识别…', readAloud: '朗读',
    autoRead: '自动朗读回答', microphoneDenied: '无法使用麦克风。', heardNothing: '没有听到语音。',
  },
};

const stored = localStorage.getItem('zhiku.lang');
let lang = stored && strings[stored] ? stored : ((navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en');

/** The current language code, `en` or `zh`. */
export const language = () => lang;

/** The text for `key` in the current language, with `{name}` placeholders filled from `values`. */
export function t(key, values = {}) {
  const text = strings[lang][key] ?? strings.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

/** Switches the language, remembers it, and re-labels the static page. */
export function setLanguage(code) {
  lang = strings[code] ? code : 'en';
  localStorage.setItem('zhiku.lang', lang);
  translatePage();
}

/**
 * Fills every element marked `data-i18n` (text), `data-i18n-placeholder` and `data-i18n-label` (aria-label).
 * @param {Document | HTMLElement} root
 */
export function translatePage(root = document) {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(/** @type {HTMLElement} */ (el).dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) {
    const input = /** @type {HTMLInputElement} */ (el);
    input.placeholder = t(input.dataset.i18nPlaceholder);
  }
  for (const found of root.querySelectorAll('[data-i18n-label]')) {
    const el = /** @type {HTMLElement} */ (found);
    el.setAttribute('aria-label', t(el.dataset.i18nLabel));
    el.title = t(el.dataset.i18nLabel);
  }
}
