/**
 * The body of `POST /api/ask`, read and checked before anything is stored: multipart form
 * data from the page (fields `question`, `conversationId`, `requestId`, optional file
 * `image`) or JSON from API clients (`{question, conversationId, requestId}`).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { MAX_QUESTION_CHARS } from '../../config/env.js';
import { MAX_IMAGE_BYTES } from '../../queue/fetch-image.js';
import { imageExtension } from './image-type.js';
import { CLIENT_ID_PATTERN } from './types.js';

/** What the model is asked when only an image was sent (as on Discord). */
export const IMAGE_ONLY_QUESTION = 'What does this image show? Find related figures and explain.';

export interface AskInput {
  question: string;
  conversationId: string;
  requestId: string;
  image?: { bytes: Buffer; name: string; contentType: string };
}

/** A 4xx with a message the page shows as is. */
export class AskInputError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** An attached file's name is shown back to the user; a longer one is cut. */
const MAX_NAME_CHARS = 200;

const newId = () => randomBytes(16).toString('base64url');

export async function readAskInput(request: FastifyRequest): Promise<AskInput> {
  const fields: Record<string, string> = {};
  let image: AskInput['image'];
  if (request.isMultipart()) {
    try {
      for await (const part of request.parts({ limits: { fileSize: MAX_IMAGE_BYTES, files: 1, fields: 10, fieldSize: MAX_QUESTION_CHARS * 4 } })) {
        if (part.type === 'field') {
          fields[part.fieldname] = String(part.value);
        } else if (part.fieldname === 'image') {
          const bytes = await part.toBuffer();
          if (bytes.length > 0) image = { bytes, name: (part.filename || 'image').slice(0, MAX_NAME_CHARS), contentType: part.mimetype };
        } else {
          part.file.resume();
        }
      }
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AskInputError(413, `The image is larger than ${MAX_IMAGE_BYTES / (1024 * 1024)} MB; attach a smaller one.`);
      if (code === 'FST_FILES_LIMIT') throw new AskInputError(400, 'Attach one image per question.');
      throw new AskInputError(400, 'The question could not be read.');
    }
  } else if (request.body && typeof request.body === 'object') {
    for (const [k, v] of Object.entries(request.body as Record<string, unknown>)) if (typeof v === 'string') fields[k] = v;
  }

  if (image && !imageExtension(image.bytes)) throw new AskInputError(415, 'Attach a PNG, JPEG, GIF or WebP image.');
  let question = (fields.question ?? '').trim();
  if (!question && image) question = IMAGE_ONLY_QUESTION;
  if (!question) throw new AskInputError(400, 'Type a question (or attach an image).');
  if (question.length > MAX_QUESTION_CHARS) throw new AskInputError(400, `The question is too long (over ${MAX_QUESTION_CHARS} characters).`);
  const conversationId = fields.conversationId || newId();
  const requestId = fields.requestId || newId();
  if (!CLIENT_ID_PATTERN.test(conversationId) || !CLIENT_ID_PATTERN.test(requestId)) {
    throw new AskInputError(400, 'Malformed conversation or request id.');
  }
  return { question, conversationId, requestId, image };
}
