/** Something the caller asked for that the provider could not honour exactly. */
export interface EngineWarning {
  /** `unsupported-option`: the provider has no such setting; `other`: see message. */
  type: 'unsupported-option' | 'other';
  /** The call option concerned, e.g. `presencePenalty`. */
  option?: string;
  message: string;
}
