// The page's structured-output section: POST /extract/stream with the package's browser
// client, the contact form filled in from each object_partial, then the validated object.
import { streamChat } from '/client/index.js';

const $ = (id) => document.getElementById(id);
const form = $('extract-form');
const fields = ['name', 'email', 'phone', 'company', 'tags'];
let partials = 0;

function show(contact, state) {
  for (const field of fields) {
    const value = contact?.[field];
    $(`contact-${field}`).textContent = Array.isArray(value) ? value.join(', ') : (value ?? '');
  }
  $('contact').dataset.state = state;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  partials = 0;
  show({}, 'streaming');
  $('extract-send').disabled = true;
  $('contact-status').textContent = 'Extracting…';
  streamChat({
    url: form.dataset.extractUrl,
    body: { text: $('extract-text').value },
    onObjectPartial: ({ object }) => {
      partials++;
      show(object, 'streaming');
      $('contact-status').textContent = `Filling in… (${partials} updates)`;
    },
    onObject: ({ object }) => {
      show(object, 'done');
      $('contact-status').textContent = `Done: validated after ${partials} partial updates.`;
    },
    onError: (error) => {
      $('contact').dataset.state = 'error';
      $('contact-status').textContent = `Failed: ${error.message}`;
    },
    onStatus: (status) => {
      if (status.state === 'closed') $('extract-send').disabled = false;
    },
  });
});
