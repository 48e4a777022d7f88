/**
 * The dual-encoder families the embedder loads, chosen by `model_type` in the model's
 * config.json. Each names its transformers.js text and vision classes, which output holds
 * the embedding, and how texts are padded. Adding a family is one entry here.
 */
import {
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  SiglipTextModel,
  SiglipVisionModel,
  type PreTrainedModel,
} from '@huggingface/transformers';

interface ModelClass {
  from_pretrained(id: string, options?: Record<string, unknown>): Promise<PreTrainedModel>;
}

export interface ModelFamily {
  name: 'clip' | 'siglip';
  textModel: ModelClass;
  visionModel: ModelClass;
  /** Output tensor of the text tower holding the embedding. */
  textOutput: string;
  /** Output tensor of the vision tower holding the embedding. */
  imageOutput: string;
  /**
   * `true`: pad a batch to its longest text (CLIP pools the end-of-text token and masks the rest).
   * `'max_length'`: pad every text to the full length (SigLIP pools the last position and was
   * trained that way; its text model takes no attention mask).
   */
  padding: true | 'max_length';
  /** Token budget when the tokenizer does not state one (CLIP: 77, SigLIP: 64; their configs). */
  defaultMaxTokens: number;
}

const FAMILIES: Record<string, ModelFamily> = {
  clip: {
    name: 'clip',
    textModel: CLIPTextModelWithProjection as unknown as ModelClass,
    visionModel: CLIPVisionModelWithProjection as unknown as ModelClass,
    textOutput: 'text_embeds',
    imageOutput: 'image_embeds',
    padding: true,
    defaultMaxTokens: 77,
  },
  siglip: {
    name: 'siglip',
    textModel: SiglipTextModel as unknown as ModelClass,
    visionModel: SiglipVisionModel as unknown as ModelClass,
    textOutput: 'pooler_output',
    imageOutput: 'pooler_output',
    padding: 'max_length',
    defaultMaxTokens: 64,
  },
};

export const SUPPORTED_MODEL_TYPES = Object.keys(FAMILIES);

/** The family of a config's `model_type`, or undefined when it is not a supported dual encoder. */
export function modelFamily(modelType: string | undefined): ModelFamily | undefined {
  return modelType ? FAMILIES[modelType] : undefined;
}
