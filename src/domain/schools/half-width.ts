// Numbers and codes typed in the back office with a Chinese input method often come full-width (１１５, ７０１,
// １０２／０５／１２, ０９１２－３４５－６７８, Ｔ００１): NFKC makes them the ASCII digits, letters and signs the checks expect.

/** A number, code, date or phone number as typed, full-width characters made half-width, trimmed. */
export const halfWidth = (text: string): string => text.normalize('NFKC').trim();
