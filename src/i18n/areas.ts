// Texts of each feature area, kept beside the feature (`src/<area>/texts.ts`) and merged here under their key.
import account from '../account/texts.ts';
import password from '../password/texts.ts';
import registration from '../registration/texts.ts';
import sis from '../sis/texts.ts';
import roster from '../roster-registration/texts.ts';

export type AreaTexts = { key: string; 'zh-TW': Record<string, unknown>; en: Record<string, unknown> };

export const AREAS: AreaTexts[] = [
  password,
  account,
  registration,
  roster,
  sis,
];
