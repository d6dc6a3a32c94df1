// Texts of each feature area, kept beside the feature (`src/<area>/texts.ts`) and merged here under their key.
import account from '../../flows/account/texts.ts';
import password from '../../flows/password-reset/texts.ts';
import registration from '../../flows/registration/texts.ts';
import sis from '../../flows/sis/texts.ts';
import roster from '../../flows/roster/texts.ts';

export type AreaTexts = { key: string; 'zh-TW': Record<string, unknown>; en: Record<string, unknown> };

export const AREAS: AreaTexts[] = [
  password,
  account,
  registration,
  roster,
  sis,
];
