// The README's JS examples as TypeScript files a consumer could write: each ```js block of
// the Usage section becomes a module whose imports are hoisted and whose statements run in
// an async function, with the values the prose leaves to the reader declared by type.
const FREE = {
  email: 'string',
  code: 'string',
  baseUrl: 'string',
  password: 'string',
  totpSecret: 'string',
  clientId: 'string',
  redirectUri: 'string',
  redirectedUrl: 'string',
  mySpec: "import('keymint').ProviderSpec",
};

/** @param {string} readme @returns {string[]} */
export function readmeExamples(readme) {
  const usage = readme.slice(readme.indexOf('## Usage'));
  const blocks = [...usage.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.map((block) => {
    const lines = block.split('\n');
    const imports = lines.filter((l) => /^import\s/.test(l));
    const body = lines.filter((l) => !/^import\s/.test(l));
    // A block that imports nothing as `keymint` (from the default entry or keymint/sessions) gets the default entry.
    if (!imports.some((l) => /from 'keymint'/.test(l) || /\* as keymint from/.test(l))) imports.unshift("import * as keymint from 'keymint';");
    const declared = Object.entries(FREE)
      .filter(([name]) => new RegExp(`\\b${name}\\b`).test(block) && !new RegExp(`(const|let)\\s+${name}\\b`).test(block))
      .map(([name, type]) => `declare const ${name}: ${type};`);
    return [...imports, ...declared, 'export async function example(): Promise<void> {', ...body.map((l) => `  ${l}`), '}', ''].join('\n');
  });
}
