export { createMasker, credentialValuesFrom, MASK, MIN_SECRET_LENGTH } from './masker';
export type { Masker } from './masker';
