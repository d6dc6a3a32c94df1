// The developer portal's application form in HTTP tests: the fields of an application the bureau can approve (a web app
// reading profile and email); each test adds its name and redirect URIs.
export const APPLICATION_FIELDS = {
  purpose: '老師和家長看班級通知。',
  contact_name: '陳老師',
  contact_email: 'dev-contact@example.org',
  homepage_url: 'https://notes.example.edu.tw/',
  privacy_url: 'https://notes.example.edu.tw/privacy',
  kind: 'web',
  scopes: ['profile', 'email'],
};
