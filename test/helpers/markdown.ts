import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import GithubSlugger from 'github-slugger';
import ignore from 'ignore';
import { lexer, type Token, type Tokens, walkTokens } from 'marked';

// What the documentation tests read of a Markdown file: its links, its headings as GitHub
// anchors them, and the repository paths it names. marked parses GitHub-flavoured Markdown
// (links in tables count, code is not prose); github-slugger is GitHub's own slug rule.

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The Markdown a reader walks: the README, the runbook and every file in docs/. */
export function docFiles(root: string = ROOT): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', 'MIGRATION.md', ...docs];
}

const read = (root: string, file: string) => readFileSync(join(root, file), 'utf8');

function tokensOf(markdown: string): Token[] {
  const tokens: Token[] = [];
  walkTokens(lexer(markdown), (token) => {
    tokens.push(token);
  });
  return tokens;
}

/** A heading's text as GitHub renders it: code without its backticks, links by their text. */
function plainText(tokens: readonly Token[]): string {
  return tokens
    .map((token) => {
      if ('tokens' in token && token.tokens && token.type !== 'codespan') {
        return plainText(token.tokens);
      }
      return token.type === 'html' ? '' : 'text' in token ? token.text : '';
    })
    .join('');
}

/** The anchors GitHub gives the headings of a Markdown text, in order (duplicates get -1, -2). */
export function anchorsOf(markdown: string): string[] {
  const slugger = new GithubSlugger();
  return tokensOf(markdown)
    .filter((token): token is Tokens.Heading => token.type === 'heading')
    .map((heading) => slugger.slug(plainText(heading.tokens)));
}

/** The headings of a Markdown text, as plain text. */
export function headingsOf(markdown: string): string[] {
  return tokensOf(markdown)
    .filter((token): token is Tokens.Heading => token.type === 'heading')
    .map((heading) => plainText(heading.tokens));
}

/** Every link target of a Markdown text, as written. */
export function linksOf(markdown: string): string[] {
  return tokensOf(markdown)
    .filter((token): token is Tokens.Link | Tokens.Image => ['link', 'image'].includes(token.type))
    .map((link) => link.href);
}

/** A link that leaves the repository for the web (or mail): not checked here. */
const isExternal = (href: string) => /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//');

/**
 * Why a relative link of `file` does not resolve, or null when it does: its path must name a
 * file or folder of the repository (`root`), and its `#anchor` a heading of the Markdown file it
 * points to (or of `file` itself, for `#anchor` alone).
 */
export function brokenLink(root: string, file: string, href: string): string | null {
  if (isExternal(href)) return null;
  const [rawPath = '', anchor] = href.split('#', 2);
  const path = decodeURIComponent(rawPath);
  const target = path === '' ? join(root, file) : resolve(root, dirname(file), path);
  const inside = relative(root, target);
  if (inside.startsWith('..') || inside.split(sep).includes('..')) {
    return `${href}: outside the repository`;
  }
  if (!existsSync(target)) return `${href}: no such file or folder (${inside || '.'})`;
  if (anchor === undefined) return null;
  if (!target.endsWith('.md')) return `${href}: an anchor into a file that is not Markdown`;
  const anchors = anchorsOf(readFileSync(target, 'utf8'));
  return anchors.includes(anchor) ? null : `${href}: ${inside} has no heading #${anchor}`;
}

/** Every broken relative link of `files`, as "file: why". */
export function brokenLinks(root: string = ROOT, files: string[] = docFiles(root)): string[] {
  return files.flatMap((file) =>
    linksOf(read(root, file))
      .map((href) => brokenLink(root, file, href))
      .filter((why): why is string => why !== null)
      .map((why) => `${file}: ${why}`),
  );
}

/** The repository folders whose paths a doc may name in code: `src/...`, `test/...`, ... */
const REPOSITORY_PATH =
  /^(?:src|test|mappings|deploy|scripts|bench|docs|\.ci)\/[^\s]*|^(?:\.\.\/)+[^\s]+/;

/**
 * The repository paths a Markdown text names in code spans and code blocks, root-relative as
 * written: each word that starts with a repository folder, cut before a placeholder (`<id>`,
 * `{html,md}`, `*`) and trimmed of the punctuation around it.
 */
export function namedPathsOf(markdown: string): string[] {
  const code = tokensOf(markdown)
    .filter((token): token is Tokens.Codespan | Tokens.Code =>
      ['codespan', 'code'].includes(token.type),
    )
    .map((token) => token.text);
  return code.flatMap((text) =>
    text
      .split(/\s+/)
      .map((word) => word.replace(/^[("'`[]+/, '').replace(/[)"'`,;:.\]]+$/, ''))
      .map((word) => word.split(/[<{*$]/)[0] as string)
      .filter((word) => REPOSITORY_PATH.test(word)),
  );
}

/** Outputs the repository's .gitignore declares (bench/results.json, ...): named, not kept. */
function declaredOutputs(root: string) {
  const gitignore = existsSync(join(root, '.gitignore')) ? read(root, '.gitignore') : '';
  return ignore().add(gitignore);
}

/**
 * Every path `files` name in code that is neither in the repository nor an output its
 * .gitignore declares, as "file: path". A path with `../` in front names something outside
 * the repository, and is always reported.
 */
export function missingPaths(root: string = ROOT, files: string[] = docFiles(root)): string[] {
  const outputs = declaredOutputs(root);
  return files.flatMap((file) =>
    namedPathsOf(read(root, file))
      .filter((path) => {
        if (path.startsWith('../')) return true;
        if (existsSync(join(root, path))) return false;
        return !outputs.ignores(path);
      })
      .map((path) => `${file}: ${path}`),
  );
}
