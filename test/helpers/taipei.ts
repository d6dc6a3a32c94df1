// Today as the city counts its days (Taipei, UTC+8), whatever this machine's or the database's zone: YYYY-MM-DD.
export const taipeiToday = (): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Taipei' }).format(new Date());
