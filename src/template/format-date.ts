/** Dates as a Chinese newspaper prints them: 2021年12月28日 星期二. */
const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];

export function isoDate(date: string | Date): string {
  return typeof date === 'string' ? date : date.toISOString().slice(0, 10);
}

export function formatChineseDate(date: string | Date): string {
  const [y, m, d] = isoDate(date).split('-').map(Number) as [number, number, number];
  const weekday = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
  return `${y}年${m}月${d}日 星期${weekday}`;
}
