/**
 * The code a Markdown page shows: each line of its fenced blocks, trimmed, and each inline code
 * span, in page order. For the specs that hold the README and docs/ to the code.
 */
export function markdownCodeTexts(markdown: string): string[] {
  const texts: string[] = [];
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (line.trimStart().startsWith('```')) {
      inCode = !inCode;
      continue;
    }
    if (inCode) texts.push(line.trim());
    else for (const span of line.matchAll(/`([^`]+)`/g)) texts.push(span[1]!);
  }
  return texts;
}
