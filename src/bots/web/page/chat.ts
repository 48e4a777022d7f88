/**
 * The chat page: conversations (one Redis stream each, followed over SSE), the question
 * form with an optional image (picker, drag-and-drop or paste), and the answers.
 * The open conversation is in the URL (`?c=<id>`), so a reload reopens it.
 */
import type { StreamEvent } from '../protocol.js';
import { AnswerView } from './answer-view.js';
import { ApiError, ask, followConversation, listConversations } from './api.js';
import { byId, h, randomId } from './dom.js';

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

const messages = byId('messages');
const form = byId<HTMLFormElement>('ask-form');
const questionBox = byId<HTMLTextAreaElement>('question');
const fileInput = byId<HTMLInputElement>('image');
const formStatus = byId('form-status');
const sendButton = byId<HTMLButtonElement>('send');
const announcer = byId('announcer');
const conversationList = byId('conversations');
const lightbox = byId<HTMLDialogElement>('lightbox');

let conversationId: string | undefined;
let stream: EventSource | undefined;
let attached: File | undefined;
let previewUrl: string | undefined;
const views = new Map<string, AnswerView>();

const hooks = {
  showFigure(url: string, caption: string) {
    byId<HTMLImageElement>('lightbox-image').src = url;
    byId<HTMLImageElement>('lightbox-image').alt = caption;
    byId('lightbox-caption').textContent = caption;
    lightbox.showModal();
  },
  announce(text: string) {
    announcer.textContent = text;
  },
};

function scrollToEnd() {
  messages.scrollTop = messages.scrollHeight;
}

function onEvent(event: StreamEvent) {
  byId('empty-hint').hidden = true;
  if (event.type === 'question') {
    if (views.has(event.answerId)) return;
    const view = new AnswerView(event.answerId, event.question, event.imageName, hooks);
    views.set(event.answerId, view);
    messages.append(view.question, view.article);
    scrollToEnd();
    return;
  }
  const view = views.get(event.answerId);
  if (!view) return;
  if (event.type === 'status') view.setStatus(event.status);
  else if (event.type === 'delta') view.appendText(event.text);
  else if (event.type === 'text') view.setText(event.text);
  else if (event.type === 'final') view.finish(event.answer);
  else if (event.type === 'error') view.fail(event.message);
  else if (event.type === 'feedback') view.setRating(event.rating);
  if (event.type !== 'feedback') scrollToEnd();
}

function clearMessages() {
  stream?.close();
  stream = undefined;
  views.clear();
  messages.replaceChildren(byId('empty-hint'));
  byId('empty-hint').hidden = false;
}

function setUrl(id: string | undefined) {
  const url = new URL(location.href);
  if (id) url.searchParams.set('c', id);
  else url.searchParams.delete('c');
  history.replaceState(null, '', url);
}

function openConversation(id: string) {
  clearMessages();
  conversationId = id;
  setUrl(id);
  stream = followConversation(id, onEvent, () => {
    formStatus.textContent = 'That conversation cannot be opened here (it expired, or is open in too many tabs): starting a new one.';
    newConversation();
  });
  void refreshList();
}

function newConversation() {
  clearMessages();
  conversationId = undefined;
  setUrl(undefined);
  void refreshList();
  questionBox.focus();
}

async function refreshList() {
  try {
    const { conversations } = await listConversations();
    conversationList.replaceChildren(
      ...conversations.map((c) => {
        const link = h('a', { href: `/?c=${encodeURIComponent(c.id)}`, 'aria-current': c.id === conversationId ? 'true' : undefined, title: c.title }, c.title);
        link.addEventListener('click', (event) => {
          event.preventDefault();
          openConversation(c.id);
        });
        return h('li', {}, link);
      }),
    );
  } catch {
    // The list is a convenience; the chat works without it.
  }
}

function setAttachment(file: File | undefined) {
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = undefined;
  formStatus.textContent = '';
  if (file && !IMAGE_TYPES.includes(file.type)) {
    formStatus.textContent = 'Attach a PNG, JPEG, GIF or WebP image.';
    file = undefined;
  } else if (file && file.size > MAX_IMAGE_BYTES) {
    formStatus.textContent = 'That image is larger than 10 MB.';
    file = undefined;
  }
  attached = file;
  byId('attachment').hidden = !file;
  if (file) {
    previewUrl = URL.createObjectURL(file);
    byId<HTMLImageElement>('attachment-preview').src = previewUrl;
    byId('attachment-name').textContent = file.name;
  } else {
    fileInput.value = '';
  }
}

async function submit() {
  const question = questionBox.value.trim();
  if (!question && !attached) {
    formStatus.textContent = 'Type a question (or attach an image).';
    questionBox.focus();
    return;
  }
  const isNew = conversationId === undefined;
  const id = conversationId ?? randomId();
  const body = new FormData();
  body.append('question', question);
  body.append('conversationId', id);
  body.append('requestId', randomId());
  if (attached) body.append('image', attached, attached.name);
  sendButton.disabled = true;
  formStatus.textContent = '';
  try {
    await ask(body);
    questionBox.value = '';
    setAttachment(undefined);
    if (isNew) openConversation(id);
    else void refreshList();
  } catch (err) {
    formStatus.textContent = err instanceof ApiError ? err.message : 'Could not send the question: is mrag-bot still running?';
  } finally {
    sendButton.disabled = false;
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void submit();
});
questionBox.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    void submit();
  }
});
fileInput.addEventListener('change', () => setAttachment(fileInput.files?.[0]));
byId('remove-image').addEventListener('click', () => setAttachment(undefined));
byId('new-conversation').addEventListener('click', newConversation);
for (const type of ['dragenter', 'dragover'] as const) {
  form.addEventListener(type, (event) => {
    event.preventDefault();
    form.classList.add('dragging');
  });
}
form.addEventListener('dragleave', () => form.classList.remove('dragging'));
form.addEventListener('drop', (event) => {
  event.preventDefault();
  form.classList.remove('dragging');
  const file = [...(event.dataTransfer?.files ?? [])].find((f) => f.type.startsWith('image/'));
  if (file) setAttachment(file);
});
questionBox.addEventListener('paste', (event) => {
  const file = [...(event.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/'));
  if (file) setAttachment(file);
});

const initial = new URL(location.href).searchParams.get('c');
if (initial && /^[A-Za-z0-9_-]{16,64}$/.test(initial)) openConversation(initial);
else newConversation();
