import * as fs from "fs";
import * as path from "path";

/** Project root: this file lives in `<root>/test/docs`. */
export const ROOT = path.resolve(__dirname, "..", "..");

/**
 * The code blocks of a Markdown file that are marked as files: a `<!-- file: NAME -->` comment on
 * the line before the opening fence. Returns NAME -> the block's text (with a final newline).
 */
export function markedFiles(markdown: string): Record<string, string> {
  const files: Record<string, string> = {};
  const re = /<!-- file: (.+?) -->\n```[^\n]*\n([\s\S]*?)\n```/g;
  for (const m of markdown.matchAll(re)) {
    if (m[1] in files) throw new Error(`two code blocks marked "${m[1]}"`);
    files[m[1]] = `${m[2]}\n`;
  }
  return files;
}

/** The text of a file under the project root. */
export function readDoc(relative: string): string {
  return fs.readFileSync(path.join(ROOT, relative), "utf8");
}

/** Relative links of a Markdown file (`[text](target)`), without their `#fragment`; external and pure-fragment links are left out. */
export function relativeLinks(markdown: string): string[] {
  const links: string[] = [];
  // Links inside code spans and code blocks are not links.
  const text = markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) continue;
    links.push(target.split("#")[0]);
  }
  return links;
}
